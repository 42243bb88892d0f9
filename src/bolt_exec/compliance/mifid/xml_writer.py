"""ISO 20022 ``auth.016`` (FinInstrmRptgTxRpt) XML for RTS 22 records.

The element paths follow the public ``auth.016.001.01`` message definition
(``Tx/New`` for a new report, ``Tx/Cxl`` for a cancellation). Blank fields are
omitted; polymorphic fields use the choice recorded in ``record.kinds``. The
output is canonical for our purposes: UTF-8, two-space indent, elements in
schema order, so equal records give equal bytes.

Not validated here against the ESMA XSD (not shipped); ARMs usually wrap the
document in their own business-application header.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence

from bolt_exec.compliance.mifid.record import TransactionRecord

__all__ = ["records_to_xml"]

_SIDES = (
    ("Buyr", (7, 8, 9, 10, 11, 12, 13, 14, 15)),
    ("Sellr", (16, 17, 18, 19, 20, 21, 22, 23, 24)),
)


def _sub(parent: ET.Element, tag: str, text: str = "", **attrib: str) -> ET.Element:
    element = ET.SubElement(parent, tag, attrib)
    if text:
        element.text = text
    return element


def _opt(parent: ET.Element, tag: str, text: str) -> None:
    if text:
        _sub(parent, tag, text)


def _person(
    parent: ET.Element,
    rec: TransactionRecord,
    code_no: int,
    names: tuple[int, int, int] | None,
    branch_no: int = 0,
) -> None:
    person = _sub(parent, "Prsn")
    if names is not None:
        for tag, number in zip(("FrstNm", "Nm", "BirthDt"), names, strict=True):
            _opt(person, tag, rec.text(number))
    if branch_no:
        _opt(person, "CtryOfBrnch", rec.text(branch_no))
    other = _sub(person, "Othr")
    _sub(other, "Id", rec.text(code_no))
    scheme = _sub(other, "SchmeNm")
    _sub(scheme, "Prtry", rec.kinds.get(code_no, "Prsn:").split(":", 1)[1])


def _identity(
    parent: ET.Element, rec: TransactionRecord, code_no: int, names: tuple[int, int, int]
) -> None:
    kind = rec.kinds.get(code_no, "")
    code = rec.text(code_no)
    if kind.startswith("Prsn"):
        _person(parent, rec, code_no, names)
    elif kind == "MIC":
        _sub(parent, "MIC", code)
    elif code == "INTC":
        _sub(parent, "Intl", code)
    else:
        _sub(parent, "LEI", code)


def _party(new: ET.Element, rec: TransactionRecord, tag: str, nums: tuple[int, ...]) -> None:
    if not rec.text(nums[0]):
        return
    side = _sub(new, tag)
    owner = _sub(side, "AcctOwnr")
    _identity(_sub(owner, "Id"), rec, nums[0], (nums[2], nums[3], nums[4]))
    _opt(owner, "CtryOfBrnch", rec.text(nums[1]))
    if rec.text(nums[5]):
        _identity(_sub(side, "DcsnMakr"), rec, nums[5], (nums[6], nums[7], nums[8]))


def _trade(new: ET.Element, rec: TransactionRecord) -> None:
    tx = _sub(new, "Tx")
    _sub(tx, "TradDt", rec.text(28))
    _sub(tx, "TradgCpcty", rec.text(29))
    qty = _sub(tx, "Qty")
    qty_kind = rec.kinds.get(30, "Unit")
    if qty_kind == "Unit":
        _sub(qty, "Unit", rec.text(30))
    else:
        _sub(qty, qty_kind, rec.text(30), Ccy=rec.text(31))
    _opt(tx, "DerivNtnlChng", rec.text(32))
    price = _sub(tx, "Pric")
    px_kind = rec.kinds.get(33, "MntryVal")
    if px_kind == "NoPric":
        no_price = _sub(price, "NoPric")
        _sub(no_price, "Pdg", rec.text(33))
        _opt(no_price, "Ccy", rec.text(34))
    elif px_kind == "MntryVal":
        _sub(_sub(_sub(price, "Pric"), "MntryVal"), "Amt", rec.text(33), Ccy=rec.text(34))
    else:
        _sub(_sub(price, "Pric"), px_kind, rec.text(33))
    _opt(tx, "NetAmt", rec.text(35))
    _sub(tx, "TradVn", rec.text(36))
    _opt(tx, "CtryOfBrnch", rec.text(37))
    if rec.text(38):
        _sub(_sub(tx, "UpFrntPmt"), "Amt", rec.text(38), Ccy=rec.text(39))
    _opt(tx, "TradPlcMtchgId", rec.text(3))
    _opt(tx, "CmplxTradCmpntId", rec.text(40))


def _instrument(new: ET.Element, rec: TransactionRecord) -> None:
    fin = _sub(new, "FinInstrm")
    if not rec.text(42):
        _opt(fin, "Id", rec.text(41))
        return
    other = _sub(fin, "Othr")
    general = _sub(other, "FinInstrmGnlAttrbts")
    _opt(general, "Id", rec.text(41))
    _sub(general, "FullNm", rec.text(42))
    _opt(general, "ClssfctnTp", rec.text(43))
    _opt(general, "NtnlCcy", rec.text(44))
    if rec.text(54):
        _sub(_sub(other, "DebtInstrmAttrbts"), "MtrtyDt", rec.text(54))
    if not any(rec.text(n) for n in (45, 46, 47, 48, 50, 51, 53, 55, 56)):
        return
    deriv = _sub(other, "DerivInstrmAttrbts")
    _opt(deriv, "XpryDt", rec.text(55))
    _opt(deriv, "PricMltplr", rec.text(46))
    if rec.text(47) or rec.text(48):
        single = _sub(_sub(_sub(deriv, "UndrlygInstrm"), "Othr"), "Sngl")
        if rec.text(47):
            _sub(single, "ISIN", rec.text(47))
        else:
            name = _sub(_sub(single, "Indx"), "Nm")
            _sub(_sub(name, "RefRate"), "Nm", rec.text(48))
            term = rec.text(49)
            if term:
                term_el = _sub(name, "Term")
                _sub(term_el, "Unit", term[-4:])
                _sub(term_el, "Val", term[:-4])
    _opt(deriv, "OptnTp", rec.text(50))
    if rec.text(51):
        strike = _sub(_sub(_sub(deriv, "StrkPric"), "Pric"), "MntryVal")
        _sub(strike, "Amt", rec.text(51), Ccy=rec.text(52))
    _opt(deriv, "OptnExrcStyle", rec.text(53))
    _opt(deriv, "DlvryTp", rec.text(56))
    if rec.text(45):
        _sub(_sub(_sub(deriv, "AsstClssSpcfcAttrbts"), "FX"), "OthrNtnlCcy", rec.text(45))


def _actor(new: ET.Element, rec: TransactionRecord, tag: str, code_no: int, branch_no: int) -> None:
    if not rec.text(code_no):
        return
    holder = _sub(new, tag)
    kind = rec.kinds.get(code_no, "")
    if kind.startswith("Prsn"):
        _person(holder, rec, code_no, None, branch_no)
    else:
        _sub(holder, kind or "Algo", rec.text(code_no))


def _additional(new: ET.Element, rec: TransactionRecord) -> None:
    extra = _sub(new, "AddtlAttrbts")
    for code in rec.values.get(61, ()):
        _sub(extra, "WvrInd", code)
    _opt(extra, "ShrtSellgInd", rec.text(62))
    for code in rec.values.get(63, ()):
        _sub(extra, "OTCPstTradInd", code)
    _opt(extra, "RskRdcgTx", rec.text(64))
    _opt(extra, "SctiesFincgTxInd", rec.text(65))


def _new(parent: ET.Element, rec: TransactionRecord) -> None:
    new = _sub(parent, "New")
    _sub(new, "TxId", rec.trn)
    _sub(new, "ExctgPty", rec.text(4))
    _sub(new, "InvstmtPtyInd", rec.text(5))
    _sub(new, "SubmitgPty", rec.text(6))
    for tag, numbers in _SIDES:
        _party(new, rec, tag, numbers)
    transmission = _sub(new, "OrdrTrnsmssn")
    _sub(transmission, "TrnsmssnInd", rec.text(25) or "false")
    _opt(transmission, "TrnsmttgBuyr", rec.text(26))
    _opt(transmission, "TrnsmttgSellr", rec.text(27))
    _trade(new, rec)
    _instrument(new, rec)
    _actor(new, rec, "InvstmtDcsnPrsn", 57, 58)
    _actor(new, rec, "ExctgPrsn", 59, 60)
    _additional(new, rec)


def records_to_xml(records: Sequence[TransactionRecord], namespace: str) -> bytes:
    """Serialise records as one ``FinInstrmRptgTxRpt`` document (UTF-8 bytes)."""
    root = ET.Element("Document", {"xmlns": namespace})
    report = _sub(root, "FinInstrmRptgTxRpt")
    for rec in records:
        tx = _sub(report, "Tx")
        if rec.status == "CANC":
            cancel = _sub(tx, "Cxl")
            _sub(cancel, "TxId", rec.trn)
            _sub(cancel, "ExctgPty", rec.text(4))
            _sub(cancel, "SubmitgPty", rec.text(6))
        else:
            _new(tx, rec)
    ET.indent(root, space="  ")
    body: bytes = ET.tostring(root, encoding="UTF-8", xml_declaration=True)
    return body + b"\n"
