"""CFTC Part 43 rules: rounding table edges, caps and blocks by date, action/event pairs."""

from __future__ import annotations

import dataclasses
from datetime import date
from decimal import Decimal

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from bolt_exec.compliance.cftc_part43_rules import NO_BLOCKS, load_cftc_rules
from bolt_exec.compliance.dated_config import packaged_rules_path
from bolt_exec.errors import ConfigError, ValidationError

RULES = load_cftc_rules()
INITIAL = RULES.for_date(date(2023, 12, 3))
POST = RULES.for_date(date(2023, 12, 4))


@pytest.mark.parametrize(
    ("notional", "published"),
    [
        ("999", "1000"),  # nearest 5, crossing into the next band, not re-rounded
        ("1000", "1000"),
        ("1049", "1000"),
        ("1050", "1100"),  # half-up
        ("2", "5"),  # never below 5
        ("0.01", "5"),
        ("9999.99", "10000"),
        ("99999999", "100000000"),
        ("149999999", "150000000"),
        ("123456789012", "120000000000"),
        ("500000000", "500000000"),
        ("524999999", "500000000"),
        ("525000000", "550000000"),
        ("1000000000", "1000000000"),
    ],
)
def test_rounding_table_edges(notional: str, published: str) -> None:
    assert INITIAL.round_notional(Decimal(notional)) == Decimal(published)


def test_rounding_half_mode_is_configurable() -> None:
    even = dataclasses.replace(INITIAL, rounding_mode="half_even")
    assert INITIAL.round_notional(Decimal("992.5")) == Decimal(995)
    assert even.round_notional(Decimal("992.5")) == Decimal(990)


@pytest.mark.parametrize("bad", ["0", "-1", "NaN", "Infinity"])
def test_rounding_refuses_non_positive_notional(bad: str) -> None:
    with pytest.raises(ValidationError, match="notional"):
        INITIAL.round_notional(Decimal(bad))


@given(st.decimals(min_value=Decimal(5), max_value=Decimal(10) ** 13, places=2))
def test_rounding_stays_within_half_an_increment(n: Decimal) -> None:
    inc = next(b.increment for b in INITIAL.bands if b.below is None or n < b.below)
    r = INITIAL.round_notional(n)
    assert abs(r - n) <= inc / 2
    assert r % inc == 0


def test_caps_by_asset_class_and_tenor_and_missing_post_initial_caps() -> None:
    assert INITIAL.cap_for("IR", 746) == Decimal(250_000_000)
    assert INITIAL.cap_for("IR", 747) == Decimal(100_000_000)
    assert INITIAL.cap_for("IR", 3669) == Decimal(75_000_000)
    assert INITIAL.cap_for("CO", 10) == Decimal(25_000_000)
    with pytest.raises(ConfigError, match="2023-12-04"):
        POST.cap_for("IR", 100)


def test_block_sizes_from_appendix_f() -> None:
    assert INITIAL.block_size("IR", "USD", 3668) == Decimal(170_000_000)
    assert INITIAL.block_size("IR", "CHF", 46) == Decimal(2_200_000_000)
    assert INITIAL.block_size("IR", "BRL", 1842) == Decimal(27_000_000)
    with pytest.raises(ConfigError, match="not captured"):
        INITIAL.block_size("IR", "BRL", 5000)
    with pytest.raises(ConfigError, match="'CR'"):
        INITIAL.block_size("CR", "USD", 1800)
    with pytest.raises(ConfigError, match="2023-12-04"):
        POST.block_size("IR", "USD", 100)


def test_no_blocks_category_and_overlap_errors() -> None:
    doc = yaml.safe_load(packaged_rules_path("cftc_part43.yaml").read_text())
    doc["versions"][0]["block_sizes"]["EQ"] = {"mode": "no_blocks"}
    assert load_cftc_rules(doc).for_date(date(2020, 1, 2)).block_size("EQ", "USD", 9) == NO_BLOCKS
    doc["versions"][0]["valid_to"] = "2023-12-05"
    with pytest.raises(ConfigError, match="overlap"):
        load_cftc_rules(doc)


def test_rules_are_chosen_by_execution_date() -> None:
    assert RULES.version_for(date(2023, 12, 3)).label == "[2012-03-09, 2023-12-04)"
    assert RULES.version_for(date(2023, 12, 4)).label == "[2023-12-04, )"
    with pytest.raises(ConfigError, match="2010-01-04"):
        RULES.for_date(date(2010, 1, 4))


@pytest.mark.parametrize(
    ("action", "event", "error"),
    [
        ("NEWT", "TRAD", None),
        ("NEWT", "PTNG", None),
        ("CORR", None, None),
        ("EROR", None, None),
        ("CORR", "TRAD", "must be empty"),
        ("NEWT", None, "not allowed"),
        ("NEWT", "XXXX", "not allowed"),
        ("VALU", None, "Part 45"),
        ("MARU", None, "Part 45"),
        ("ZZZZ", None, "unknown"),
    ],
)
def test_action_event_pairs(action: str, event: str | None, error: str | None) -> None:
    if error is None:
        INITIAL.check_action_event(action, event)
    else:
        with pytest.raises(ValidationError, match=error):
            INITIAL.check_action_event(action, event)
