"""Part 43 follow-ups: held updates, post-priced price updates, append-only corrections."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from _golden_sessions import FIRM, SWAPS, WED, part43_session
from _otr_journal import ET, at

from bolt_exec.compliance.cftc_part43 import part43_report
from bolt_exec.compliance.cftc_part43_rules import load_cftc_rules
from bolt_exec.compliance.cftc_part43_updates import (
    follow_up,
    partial_report_due,
    price_update,
    update_release_ns,
)
from bolt_exec.errors import ValidationError

RULES = load_cftc_rules()
R = RULES.for_date(WED)
MIN = 60 * 1_000_000_000


def _public() -> dict[str, dict[str, Any]]:
    rep = part43_report(
        part43_session().events,
        rules=RULES,
        day=WED,
        swaps=SWAPS,
        firm=FIRM,
        usd_rates={"EUR": Decimal("1.09")},
    )
    return {r["dissemination_id"]: r for r in rep["public"]}


def test_update_to_an_elected_swap_is_held_until_the_original_goes_out() -> None:
    block = _public()["20231122-000001"]  # SEF block, released 15 min after execution
    release = at(WED, 10, 16, tz=ET)
    upd = follow_up(
        block,
        action="CORR",
        ts_ns=at(WED, 10, 5, tz=ET),
        original_release_ns=release,
        dissemination_id="20231122-000101",
        rules=R,
        changes={"price": Decimal("4.126")},
    )
    assert upd["dissemination_not_before"] == "2023-11-22T15:16:00Z"  # the original's release
    assert (upd["action_type"], upd["event_type"]) == ("CORR", None)
    assert upd["original_dissemination_id"] == "20231122-000001"
    assert block["price"] == Decimal("4.125")  # the original is untouched (append-only)
    assert update_release_ns(release, release + MIN, 15 * MIN) == release + 16 * MIN


def test_post_priced_swap_partial_report_then_price_update() -> None:
    executed = at(WED, 23, 30, tz=ET)
    assert not partial_report_due(executed, at(WED, 23, 59, 58, tz=ET), price_known=False)
    assert partial_report_due(executed, at(WED, 23, 59, 59, tz=ET), price_known=False)
    assert not partial_report_due(executed, at(WED, 23, 59, 59, tz=ET), price_known=True)
    partial = _public()["20231122-000005"]
    assert partial["post_priced"] is True
    assert partial["price"] is None
    upd = price_update(
        partial,
        price=Decimal("4.0125"),
        ts_ns=at(date(2023, 11, 24), 9, tz=ET),
        original_release_ns=executed,
        dissemination_id="20231124-000001",
        rules=R,
    )
    assert (upd["action_type"], upd["event_type"], upd["price"]) == (
        "MODI",
        "TRAD",
        Decimal("4.0125"),
    )
    with pytest.raises(ValidationError, match="CORR"):
        price_update(
            upd, price=Decimal(1), ts_ns=0, original_release_ns=0, dissemination_id="x", rules=R
        )


def test_cancel_record_carries_no_event_type_and_identity_fields_are_refused() -> None:
    rec = _public()["20231122-000003"]
    err = follow_up(
        rec,
        action="EROR",
        ts_ns=at(WED, 17, tz=ET),
        original_release_ns=0,
        dissemination_id="20231122-000102",
        rules=R,
    )
    assert (err["action_type"], err["event_type"]) == ("EROR", None)
    with pytest.raises(ValidationError, match="dissemination_id"):
        follow_up(
            rec,
            action="CORR",
            ts_ns=0,
            original_release_ns=0,
            dissemination_id="x",
            rules=R,
            changes={"dissemination_id": "y"},
        )
    with pytest.raises(ValidationError, match="counterparty"):
        follow_up(
            rec,
            action="CORR",
            ts_ns=0,
            original_release_ns=0,
            dissemination_id="x",
            rules=R,
            changes={"counterparty": "Acme"},
        )
    with pytest.raises(ValidationError, match="Part 45"):
        follow_up(rec, action="VALU", ts_ns=0, original_release_ns=0, dissemination_id="x", rules=R)
