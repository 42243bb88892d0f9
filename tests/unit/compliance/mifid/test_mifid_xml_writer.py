"""auth.016 XML shape: namespace, schema element order, choices, cancellations."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from _mifid_helpers import FIRM_LEI, JournalFactory

from bolt_exec.compliance.mifid import Firm, ReferenceData, transaction_reports
from bolt_exec.model.enums import Side

NS = "{urn:iso:std:iso:20022:tech:xsd:auth.016.001.01}"
# SecuritiesTransactionReport4 sequence in the public auth.016.001.01 definition.
NEW_ORDER = ["TxId", "ExctgPty", "InvstmtPtyInd", "SubmitgPty", "Buyr", "Sellr", "OrdrTrnsmssn",
             "Tx", "FinInstrm", "InvstmtDcsnPrsn", "ExctgPrsn", "AddtlAttrbts"]  # fmt: skip
TX_ORDER = ["TradDt", "TradgCpcty", "Qty", "DerivNtnlChng", "Pric", "NetAmt", "TradVn",
            "CtryOfBrnch", "UpFrntPmt", "TradPlcMtchgId", "CmplxTradCmpntId"]  # fmt: skip


def _tags(element: ET.Element) -> list[str]:
    return [child.tag.removeprefix(NS) for child in element]


def _in_order(tags: list[str], order: list[str]) -> bool:
    positions = [order.index(t) for t in tags]
    return positions == sorted(positions)


def test_new_report_elements_follow_schema_order(
    journal: JournalFactory, firm: Firm, reference: ReferenceData
) -> None:
    tags = {"mifid.capacity": "AOTC", "mifid.client": "C-ANNA", "mifid.decision": "T1",
            "mifid.execution": "algo:ALGO1", "mifid.short_selling": "SELL",
            "mifid.waivers": "RFPT SIZE", "mifid.complex_id": "PKG-1"}  # fmt: skip
    report = transaction_reports(journal(side=Side.SELL, tags=tags), day="2026-11-20",
                                 firm=firm, reference=reference)  # fmt: skip

    root = ET.fromstring(report.to_xml())

    assert root.tag == f"{NS}Document"
    new = root.find(f"{NS}FinInstrmRptgTxRpt/{NS}Tx/{NS}New")
    assert new is not None
    assert _tags(new) == NEW_ORDER
    tx = new.find(f"{NS}Tx")
    assert tx is not None and _in_order(_tags(tx), TX_ORDER)
    assert new.findtext(f"{NS}Sellr/{NS}AcctOwnr/{NS}Id/{NS}Prsn/{NS}Othr/{NS}Id") == (
        "FR19800502ANNA#LI###"
    )
    assert new.findtext(f"{NS}InvstmtDcsnPrsn/{NS}Prsn/{NS}CtryOfBrnch") == "FR"
    assert new.findtext(f"{NS}ExctgPrsn/{NS}Algo") == "ALGO1"
    assert [w.text for w in new.iter(f"{NS}WvrInd")] == ["RFPT", "SIZE"]
    amount = tx.find(f"{NS}Pric/{NS}Pric/{NS}MntryVal/{NS}Amt")
    assert amount is not None and amount.get("Ccy") == "EUR" and amount.text == "55.25"


def test_cancellation_carries_only_identifiers(
    journal: JournalFactory, firm: Firm, reference: ReferenceData
) -> None:
    tags = {"mifid.capacity": "DEAL", "mifid.decision": "T1", "mifid.execution": "algo:ALGO1"}
    report = transaction_reports(journal(tags=tags), day="2026-11-20", firm=firm,
                                 reference=reference)  # fmt: skip

    root = ET.fromstring(report.cancellations(["O-1-T-1"]).to_xml())

    cancel = root.find(f"{NS}FinInstrmRptgTxRpt/{NS}Tx/{NS}Cxl")
    assert cancel is not None
    assert _tags(cancel) == ["TxId", "ExctgPty", "SubmitgPty"]
    assert [c.text for c in cancel] == ["O-1-T-1", FIRM_LEI, FIRM_LEI]
