"""RTS 22 transaction reports: field population and the cross-field rules of facts 1.2.6."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import date
from pathlib import Path

import pytest
import yaml
from _mifid_helpers import CCP_LEI, FIRM_LEI, OTHER_LEI, JournalFactory, ts

from bolt_exec.compliance.mifid import (
    Firm,
    ReferenceData,
    Rts22Report,
    load_mifid_config,
    transaction_reports,
)
from bolt_exec.compliance.mifid.rts22 import transaction_reference
from bolt_exec.compliance.reference import read_package_yaml
from bolt_exec.errors import ValidationError
from bolt_exec.model.enums import Side
from bolt_exec.model.events import OrderEvent

DAY = "2026-11-20"
ALGO = {"mifid.execution": "algo:ALGO1"}
NS = "{urn:iso:std:iso:20022:tech:xsd:auth.016.001.01}"


def _report(journal: list[OrderEvent], firm: Firm, reference: ReferenceData) -> Rts22Report:
    return transaction_reports(journal, day=DAY, firm=firm, reference=reference)


def _fields(report: Rts22Report) -> set[int]:
    return {i.field_number for i in report.issues}


def test_deal_buy_puts_firm_as_buyer_and_ccp_as_seller(
    journal: JournalFactory, firm: Firm, reference: ReferenceData
) -> None:
    tags = {"mifid.capacity": "DEAL", "mifid.decision": "T1", **ALGO}

    report = _report(journal(tags=tags), firm, reference)

    rec = report.records[0]
    assert report.issues == ()
    assert (rec.text(7), rec.text(16), rec.text(29)) == (FIRM_LEI, CCP_LEI, "DEAL")
    assert rec.text(8) == ""  # no branch country for the firm's own DEAL leg
    assert rec.text(57) == "FR19850714PAUL#MARTI"
    assert (rec.text(58), rec.text(59), rec.kinds[59]) == ("FR", "ALGO1", "Algo")


def test_aotc_sell_puts_client_as_seller(
    journal: JournalFactory, firm: Firm, reference: ReferenceData
) -> None:
    tags = {
        "mifid.capacity": "AOTC",
        "mifid.client": "C-LEI",
        "mifid.short_selling": "SESH",
        **ALGO,
    }

    rec = _report(journal(side=Side.SELL, tags=tags), firm, reference).records[0]

    assert (rec.text(16), rec.text(17), rec.text(7)) == (OTHER_LEI, "FR", CCP_LEI)
    assert rec.text(62) == "SESH"
    assert rec.issues == ()


def test_aotc_with_firm_lei_as_client_is_flagged(
    journal: JournalFactory, firm: Firm, reference: ReferenceData
) -> None:
    tags = {"mifid.capacity": "AOTC", "mifid.client": "C-FIRM", **ALGO}

    report = _report(journal(tags=tags), firm, reference)

    assert 29 in _fields(report)


def test_transmission_true_with_deal_is_flagged(
    journal: JournalFactory, firm: Firm, reference: ReferenceData
) -> None:
    tags = {"mifid.capacity": "DEAL", "mifid.decision": "T1", "mifid.transmission": "true", **ALGO}

    report = _report(journal(tags=tags), firm, reference)

    assert [i.field_number for i in report.issues] == [25]


def test_deal_executed_by_nore_is_flagged(
    journal: JournalFactory, firm: Firm, reference: ReferenceData
) -> None:
    tags = {"mifid.capacity": "DEAL", "mifid.decision": "T1", "mifid.execution": "NORE"}

    report = _report(journal(tags=tags), firm, reference)

    assert _fields(report) == {59}


def test_off_venue_has_no_tvtic_and_needs_a_counterparty(
    journal: JournalFactory, firm: Firm, reference: ReferenceData
) -> None:
    tags = {"mifid.capacity": "DEAL", "mifid.decision": "T1", **ALGO}

    report = _report(journal(tags=tags, symbol="OTC"), firm, reference)

    rec = report.records[0]
    assert (rec.text(3), rec.text(36), rec.text(37)) == ("", "XOFF", "")
    assert _fields(report) == {16}
    assert "mifid.counterparty" in report.issues[0].problem


def test_off_venue_timestamp_keeps_millisecond_activity_granularity(
    journal: JournalFactory, firm: Firm, reference: ReferenceData
) -> None:
    at = ts(2026, 11, 20, 9, 0, 0, 123456)
    tags = {
        "mifid.capacity": "DEAL",
        "mifid.decision": "T1",
        "mifid.counterparty": OTHER_LEI,
        **ALGO,
    }
    voice = firm.model_copy(update={"activity": "voice"})

    rec = _report(journal(tags=tags, symbol="OTC", at=at), voice, reference).records[0]

    assert rec.text(28) == "2026-11-20T09:00:00Z"


def test_on_venue_without_tvtic_is_flagged(
    journal: JournalFactory, firm: Firm, reference: ReferenceData
) -> None:
    tags = {"mifid.capacity": "DEAL", "mifid.decision": "T1", **ALGO}

    report = _report(journal(tags=tags, trade_id=""), firm, reference)

    assert 3 in _fields(report)


def test_natural_person_client_fills_names_and_concat(
    journal: JournalFactory, firm: Firm, reference: ReferenceData
) -> None:
    tags = {"mifid.capacity": "AOTC", "mifid.client": "C-ANNA", **ALGO}

    rec = _report(journal(tags=tags), firm, reference).records[0]

    assert [rec.text(n) for n in (7, 9, 10, 11)] == [
        "FR19800502ANNA#LI###",
        "Anna",
        "Li",
        "1980-05-02",
    ]
    assert rec.kinds[7] == "Prsn:CONCAT"


def test_missing_reference_data_is_named_not_blank(
    journal: JournalFactory, firm: Firm, reference: ReferenceData
) -> None:
    tags = {"mifid.client": "NOPE"}  # no capacity, unknown client, no executor
    bare = firm.model_copy(update={"branch_membership_country": None})

    report = _report(journal(side=Side.SELL, tags=tags), bare, reference)

    assert _fields(report) == {16, 29, 37, 59, 62}  # 16: the unknown client
    capacity_issue = next(i for i in report.issues if i.field_number == 29)
    assert capacity_issue.field_name == "Trading capacity"
    assert capacity_issue.record_ref == "O-1-T-1"
    assert not report.is_complete


def test_unknown_instrument_is_named(
    journal: JournalFactory, firm: Firm, reference: ReferenceData
) -> None:
    tags = {"mifid.capacity": "DEAL", "mifid.decision": "T1", **ALGO}

    report = _report(journal(tags=tags, symbol="NOPE"), firm, reference)

    assert report.issues[0].field_number == 41
    assert report.issues[0].value == "NOPE"


@pytest.mark.parametrize(
    ("code", "fragment"), [("SHOR", "not an RTS 22 code"), ("XXXX", "allowed codes")]
)
def test_short_selling_bad_codes_rejected(
    journal: JournalFactory, firm: Firm, reference: ReferenceData, code: str, fragment: str
) -> None:
    tags = {"mifid.capacity": "DEAL", "mifid.decision": "T1", "mifid.short_selling": code, **ALGO}

    report = _report(journal(side=Side.SELL, tags=tags), firm, reference)

    assert [i.field_number for i in report.issues] == [62]
    assert fragment in report.issues[0].problem


def test_waiver_list_accepted_and_unknown_code_rejected(
    journal: JournalFactory, firm: Firm, reference: ReferenceData
) -> None:
    good = {"mifid.capacity": "DEAL", "mifid.decision": "T1", "mifid.waivers": "RFPT SIZE", **ALGO}
    bad = {**good, "mifid.waivers": "RFPT NOPE"}

    ok = _report(journal(tags=good), firm, reference)
    ko = _report(journal(tags=bad), firm, reference)

    assert ok.records[0].values[61] == ("RFPT", "SIZE") and ok.issues == ()
    assert [(i.field_number, i.value) for i in ko.issues] == [(61, "NOPE")]


def test_price_rounds_half_up_to_13_decimals(
    journal: JournalFactory, firm: Firm, reference: ReferenceData
) -> None:
    tags = {"mifid.capacity": "DEAL", "mifid.decision": "T1", **ALGO}

    rec = _report(journal(tags=tags, px="10.00000000000005"), firm, reference).records[0]

    assert rec.text(33) == "10.0000000000001"


def test_rules_are_chosen_by_trade_date_not_run_date(
    tmp_path: Path, journal: JournalFactory, firm: Firm, reference: ReferenceData
) -> None:
    """A rule version starting 2027-01-01 changes rounding only for trades from that day."""
    data = read_package_yaml("mifid.yaml")
    first = data["decimals"][0]
    later = {
        **first,
        "valid_from": "2027-01-01",
        "value": {**first["value"], "rounding": "ROUND_HALF_EVEN"},
    }
    data["decimals"] = [first, later]
    path = tmp_path / "mifid.yaml"
    path.write_text(yaml.safe_dump(data))
    config = load_mifid_config(path)
    tags = {"mifid.capacity": "DEAL", "mifid.decision": "T1", **ALGO}
    px = "10.00000000000005"

    before = transaction_reports(
        journal(tags=tags, px=px), day=DAY, firm=firm, reference=reference, config=config
    )
    after = transaction_reports(
        journal(tags=tags, px=px, at=ts(2027, 1, 4, 9, 0, 0)),
        day=date(2027, 1, 4),
        firm=firm,
        reference=reference,
        config=config,
    )

    assert before.records[0].text(33) == "10.0000000000001"
    assert after.records[0].text(33) == "10"


def test_report_covers_only_fills_of_its_day(
    journal: JournalFactory, firm: Firm, reference: ReferenceData
) -> None:
    tags = {"mifid.capacity": "DEAL", "mifid.decision": "T1", **ALGO}

    report = _report(journal(tags=tags, at=ts(2026, 11, 19, 23, 59, 59)), firm, reference)

    assert report.records == ()
    assert report.deadline is None


def test_cancellation_rules(journal: JournalFactory, firm: Firm, reference: ReferenceData) -> None:
    tags = {"mifid.capacity": "DEAL", "mifid.decision": "T1", **ALGO}
    report = _report(journal(tags=tags), firm, reference)
    trn = report.records[0].trn

    cancel = report.cancellations([trn])

    assert [(r.status, r.trn, r.text(4), r.text(7)) for r in cancel.records] == [
        ("CANC", trn, FIRM_LEI, "")
    ]
    assert b"<Cxl>" in cancel.to_xml()
    with pytest.raises(ValidationError, match="not reported"):
        report.cancellations(["UNKNOWN"])
    with pytest.raises(ValidationError, match="already cancelled"):
        report.cancellations([trn, trn])
    with pytest.raises(ValidationError, match="already cancelled"):
        report.cancellations([trn], already_cancelled=[trn])


def test_transaction_reference_is_stable_and_bounded() -> None:
    assert transaction_reference("O-1", "T-1") == "O-1-T-1"
    long_ref = transaction_reference("O" * 60, "T:1")

    assert len(long_ref) == 52
    assert long_ref == transaction_reference("O" * 60, "T:1")


def test_bad_day_is_a_validation_error(
    journal: JournalFactory, firm: Firm, reference: ReferenceData
) -> None:
    with pytest.raises(ValidationError, match="YYYY-MM-DD"):
        transaction_reports(journal(), day="20/11/2026", firm=firm, reference=reference)


def test_fill_without_its_order_is_a_validation_error(
    journal: JournalFactory, firm: Firm, reference: ReferenceData
) -> None:
    with pytest.raises(ValidationError, match="no OrderInitialized"):
        transaction_reports(journal()[1:], day=DAY, firm=firm, reference=reference)


def test_intc_aggregate_account_has_no_branch_or_names(
    journal: JournalFactory, firm: Firm, reference: ReferenceData
) -> None:
    tags = {"mifid.capacity": "AOTC", "mifid.client": "INTC", **ALGO}

    report = _report(journal(tags=tags), firm, reference)

    rec = report.records[0]
    assert (rec.text(7), rec.text(8), rec.kinds[7]) == ("INTC", "", "Intl")
    assert report.issues == ()
    assert b"<Intl>INTC</Intl>" in report.to_xml()


@pytest.mark.parametrize("code", ["PNDG", "NOAP"])
def test_price_pending_or_not_applicable(
    journal: JournalFactory, firm: Firm, reference: ReferenceData, code: str
) -> None:
    tags = {"mifid.capacity": "DEAL", "mifid.decision": "T1", "mifid.price": code, **ALGO}

    report = _report(journal(tags=tags), firm, reference)

    assert report.records[0].text(33) == code
    assert report.issues == ()
    root = ET.fromstring(report.to_xml())
    assert root.findtext(f".//{NS}Tx/{NS}Pric/{NS}NoPric/{NS}Pdg") == code
    assert root.findtext(f".//{NS}Tx/{NS}Pric/{NS}NoPric/{NS}Ccy") == "EUR"


def test_price_status_unknown_code_rejected(
    journal: JournalFactory, firm: Firm, reference: ReferenceData
) -> None:
    tags = {"mifid.capacity": "DEAL", "mifid.decision": "T1", "mifid.price": "LATER", **ALGO}

    assert _fields(_report(journal(tags=tags), firm, reference)) == {33}


def _with_instrument(reference: ReferenceData, **changes: object) -> ReferenceData:
    base = reference.instrument("TTE")
    assert base is not None
    others = tuple(i for i in reference.instruments if i.symbol != "TTE")
    return reference.model_copy(update={"instruments": (base.model_copy(update=changes), *others)})


def test_nominal_quantity_uses_5_decimals_and_needs_currency(
    journal: JournalFactory, firm: Firm, reference: ReferenceData
) -> None:
    bonds = _with_instrument(
        reference,
        quantity_notation="NOML",
        cfi="DBFTFR",
        notional_currency="EUR",
        price_notation="PERC",
    )
    tags = {"mifid.capacity": "DEAL", "mifid.decision": "T1", "mifid.short_selling": "SELL", **ALGO}

    report = _report(journal(tags=tags, qty="100000.123456", px="99.12345678905"), firm, bonds)

    rec = report.records[0]
    assert (rec.text(30), rec.text(31), rec.kinds[30]) == ("100000.12346", "EUR", "NmnlVal")
    # DECIMAL-11/10 with two integer digits leaves nine decimals, rounded.
    assert (rec.text(33), rec.text(34), rec.kinds[33]) == ("99.123456789", "", "Pctg")
    assert _fields(report) == {35}  # net amount of a bond cannot come from the journal


def test_isin_in_firds_leaves_42_to_56_blank(
    journal: JournalFactory, firm: Firm, reference: ReferenceData
) -> None:
    tags = {"mifid.capacity": "DEAL", "mifid.decision": "T1", **ALGO}

    rec = _report(journal(tags=tags), firm, reference).records[0]

    assert [rec.text(n) for n in range(42, 57)] == [""] * 15


def test_no_isin_on_venue_and_no_description_names_each_field(
    journal: JournalFactory, firm: Firm, reference: ReferenceData
) -> None:
    bare = _with_instrument(reference, isin=None, cfi=None, in_firds=False)
    tags = {"mifid.capacity": "DEAL", "mifid.decision": "T1", **ALGO}

    report = _report(journal(tags=tags), firm, bare)

    assert _fields(report) == {41, 42, 43, 44}


def test_invalid_reference_codes_are_all_named(
    journal: JournalFactory, firm: Firm, reference: ReferenceData
) -> None:
    broken = _with_instrument(reference, isin="FR0000120270", currency="XAU", venue_mic="xpar")
    bad_firm = firm.model_copy(update={"lei": "549300BOLTEXEC0FIR83"})
    tags = {"mifid.capacity": "DEAL", "mifid.decision": "T1", **ALGO}

    report = _report(journal(tags=tags), bad_firm, broken)

    assert {4, 6, 34, 36, 41} <= _fields(report)
    assert next(i for i in report.issues if i.field_number == 41).value == "FR0000120270"


def test_voice_order_timestamp_at_one_second(
    journal: JournalFactory, firm: Firm, reference: ReferenceData
) -> None:
    at = ts(2026, 11, 20, 9, 0, 0, 654321)
    tags = {"mifid.capacity": "DEAL", "mifid.decision": "T1", "mifid.activity": "voice", **ALGO}

    rec = _report(journal(tags=tags, at=at), firm, reference).records[0]

    assert rec.text(28) == "2026-11-20T09:00:00Z"
    assert rec.issues == ()


def test_unknown_activity_is_named_and_firm_granularity_used(
    journal: JournalFactory, firm: Firm, reference: ReferenceData
) -> None:
    at = ts(2026, 11, 20, 9, 0, 0, 654321)
    tags = {"mifid.capacity": "DEAL", "mifid.decision": "T1", "mifid.activity": "fax", **ALGO}

    rec = _report(journal(tags=tags, at=at), firm, reference).records[0]

    assert rec.text(28) == "2026-11-20T09:00:00.654Z"
    assert [(i.field_number, i.value) for i in rec.issues] == [(28, "fax")]
