"""Cross-field rules on records that did not come from our builder (e.g. an ARM's feedback)."""

from __future__ import annotations

from _mifid_helpers import FIRM_LEI, OTHER_LEI

from bolt_exec.compliance.mifid import MifidRules
from bolt_exec.compliance.mifid.checks import check_record
from bolt_exec.compliance.mifid.record import Draft


def _draft(rules: MifidRules, **fields: str) -> Draft:
    draft = Draft("TRN-1", rules)
    values = {4: FIRM_LEI, 7: FIRM_LEI, 16: "XPAR", 29: "DEAL", 36: "XPAR", 37: "FR", 3: "T1"}
    for number, value in values.items():
        draft.set(number, value)
    for key, value in fields.items():
        draft.set(int(key.removeprefix("f")), value)
    return draft


def _issues(draft: Draft) -> list[tuple[int, str]]:
    check_record(draft)
    return [(i.field_number, i.value) for i in draft.finish(None).issues]


def test_clean_record_has_no_issue(rules: MifidRules) -> None:
    assert _issues(_draft(rules)) == []


def test_names_next_to_an_lei_must_be_blank(rules: MifidRules) -> None:
    draft = _draft(rules, f7=OTHER_LEI, f9="Anna", f29="AOTC")
    draft.kinds[7] = "LEI"

    assert _issues(draft) == [(9, "Anna")]


def test_person_without_names_is_flagged(rules: MifidRules) -> None:
    draft = _draft(rules, f16="FR19800502ANNA#LI###", f29="DEAL")
    draft.kinds[16] = "Prsn:CONCAT"

    assert _issues(draft) == [(18, "")]


def test_tvtic_off_venue_and_waiver_off_venue_are_flagged(rules: MifidRules) -> None:
    draft = _draft(rules, f36="XOFF", f37="", f61="SIZE")

    assert _issues(draft) == [(3, "T1"), (61, "SIZE")]


def test_otc_post_trade_indicator_on_venue_is_flagged(rules: MifidRules) -> None:
    assert _issues(_draft(rules, f63="BENC")) == [(63, "BENC")]


def test_deal_without_the_firm_as_party_is_flagged(rules: MifidRules) -> None:
    assert _issues(_draft(rules, f7=OTHER_LEI)) == [(29, "DEAL")]
