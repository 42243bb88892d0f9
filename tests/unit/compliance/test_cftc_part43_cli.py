"""`bolt-exec report part43`: files in, the library's bytes out, exit 1 on exceptions."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from _cli_helpers import run_cli, write_journal
from _golden_sessions import FIRM, SWAPS, part43_session

from bolt_exec.compliance.cftc_part43 import part43_report, part43_report_json
from bolt_exec.compliance.cftc_part43_rules import load_cftc_rules

SWAPS_YAML = "\n".join(
    f"{sym}: {{upi: {t.upi}, asset_class: {t.asset_class}, notional_currency: "
    f"{t.notional_currency}, effective_date: {t.effective_date}, expiration_date: "
    f"{t.expiration_date}, mandatory_clearing: {str(t.mandatory_clearing).lower()}, "
    f"cleared: {str(t.cleared).lower()}, price_notation: {t.price_notation}}}"
    for sym, t in SWAPS.items()
)


def test_cli_part43_matches_golden_and_flags_exceptions(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    journal = write_journal(tmp_path / "j.jsonl", part43_session().events)
    (tmp_path / "swaps.yaml").write_text(SWAPS_YAML)
    out = tmp_path / "part43.json"
    argv = [
        "report",
        "part43",
        "--journal",
        str(journal),
        "--date",
        "2023-11-22",
        "--swaps",
        str(tmp_path / "swaps.yaml"),
        "--firm-status",
        "NONE",
        "--usd-rate",
        "EUR=1.0900",
        "--out",
        str(out),
    ]
    for ident in FIRM.identities:
        argv += ["--firm-identity", ident]
    rc = run_cli(argv)
    assert rc == 1  # the session has two exceptions for a human to review
    assert "2 exception(s)" in capsys.readouterr().err
    expected = part43_report(
        part43_session().events,
        rules=load_cftc_rules(),
        day=date(2023, 11, 22),
        swaps=SWAPS,
        firm=FIRM,
        usd_rates={"EUR": Decimal("1.0900")},
    )
    assert out.read_bytes() == part43_report_json(expected)


def test_cli_part43_post_initial_date_without_caps_is_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from datetime import date

    from _otr_journal import ET, Journal, at

    j = Journal()
    ts = at(date(2026, 11, 18), 11, tz=ET)
    j.new("x", "USD10Y", ts, "4", qty="10", tags={"reporting_party": "us"})
    j.fill("x", ts, "T", "USD10Y", "10", "4")
    (tmp_path / "swaps.yaml").write_text(SWAPS_YAML)
    rc = run_cli(
        [
            "report",
            "part43",
            "--journal",
            str(write_journal(tmp_path / "j", j.events)),
            "--date",
            "2026-11-18",
            "--swaps",
            str(tmp_path / "swaps.yaml"),
        ]
    )
    assert rc == 2
    assert "not configured" in capsys.readouterr().err


def test_cli_part43_bad_usd_rate_is_refused() -> None:
    with pytest.raises(SystemExit):
        run_cli(
            [
                "report",
                "part43",
                "--journal",
                "j",
                "--date",
                "2023-11-22",
                "--swaps",
                "s",
                "--usd-rate",
                "EUR",
            ]
        )
