"""The fixed sessions behind the golden files (hand-built, deterministic timestamps)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from _otr_journal import ET, Journal, at

from bolt_exec.compliance.cftc_part43 import Part43Firm, SwapTerms
from bolt_exec.compliance.sebi_otr_market import LastTradePrices, OtrInstrument
from bolt_exec.model.enums import TimeInForce

WED = date(2023, 11, 22)  # the day before Thanksgiving, initial caps and blocks

INSTRUMENTS = {
    "RELIANCE": OtrInstrument("NSE", "EQ_CASH"),
    "NIFTYFUT": OtrInstrument("NSE", "EQ_DERIV"),
    "NIFTY22000CE": OtrInstrument("NSE", "EQ_DERIV", is_equity_option=True),
    "USDINR": OtrInstrument("NSE", "CURRENCY_DERIV"),
}


def otr_session() -> tuple[Journal, LastTradePrices]:
    """Fri 3 Apr 2026 (2020 rules) and Mon 6 Apr 2026 (2026 rules), three segments."""
    j = Journal()
    ticks = []
    for day in (date(2026, 4, 3), date(2026, 4, 6)):
        d = day.isoformat()
        ticks += [
            ("RELIANCE", at(day, 9, 15), Decimal("2500.00")),
            ("NIFTY22000CE", at(day, 9, 15), Decimal("10.00")),
            ("USDINR", at(day, 9, 0), Decimal("83.2500")),
        ]
        j.new(f"{d}-c1", "RELIANCE", at(day, 9, 30), "2518.75")  # +0.75 %: in band
        j.new(f"{d}-c2", "RELIANCE", at(day, 9, 31), "2520.00", qty="4")  # out of band
        j.fill(f"{d}-c2", at(day, 9, 32), f"{d}-T1", "RELIANCE", "2", "2520.00")
        j.amend(f"{d}-c2", at(day, 9, 33), "2505.00")  # into the band
        j.amend(f"{d}-c2", at(day, 9, 34), "2600.00", confirm=False)
        j.cancel(f"{d}-c1", at(day, 9, 35))
        j.new(f"{d}-i1", "RELIANCE", at(day, 9, 36), "2400.00", tif=TimeInForce.IOC)
        j.cancel(f"{d}-i1", at(day, 9, 36), request=False)  # IOC remainder: not a message
        j.new(f"{d}-m1", "RELIANCE", at(day, 9, 37), None)  # market order: counted
        j.fill(f"{d}-m1", at(day, 9, 37), f"{d}-T2", "RELIANCE", "1", "2501.00")
        j.new(f"{d}-h1", "RELIANCE", at(day, 9, 38), "3000.00", tags={"algo": "false"})
        j.new(f"{d}-o1", "NIFTY22000CE", at(day, 10), "30.00")  # option band edge (2026)
        j.new(f"{d}-o2", "NIFTY22000CE", at(day, 10, 1), "30.05")
        j.new(f"{d}-d1", "NIFTY22000CE", at(day, 10, 2), "12.00", tags={"dmm": "true"})
        j.fill(f"{d}-d1", at(day, 10, 3), f"{d}-T3", "NIFTY22000CE", "1", "12.00")
        j.new(f"{d}-x1", "USDINR", at(day, 9, 5), "84.0000")
        for i in range(60):
            j.amend(f"{d}-x1", at(day, 9, 6, i), f"{84 + i / 100:.4f}", confirm=False)
        j.fill(f"{d}-x1", at(day, 9, 7), f"{d}-T4", "USDINR", "1", "84.5900")
    return j, LastTradePrices(ticks)


FIRM = Part43Firm("NONE", ("Bolt Capital LLC", "5493000IBP32UQZ0KL24"))
USD10Y = SwapTerms(
    "QZUSD10Y", "IR", "USD", date(2023, 11, 24), date(2033, 11, 24), price_notation="RATE"
)
EUR5Y = SwapTerms(
    "QZEUR5Y",
    "IR",
    "EUR",
    date(2023, 11, 24),
    date(2028, 11, 24),
    mandatory_clearing=True,
    cleared=True,
    price_notation="RATE",
)
CO1Y = SwapTerms("QZWTI1Y", "CO", "USD", date(2023, 11, 24), date(2024, 11, 24))
SWAPS = {"USD10Y": USD10Y, "EUR5Y": EUR5Y, "WTI1Y": CO1Y}


def part43_session() -> Journal:
    """A Wednesday before Thanksgiving 2023: block, LNS over the holiday, capped, PPS, a leak."""
    j = Journal()

    def t(hh: int, mm: int = 0) -> int:
        return at(WED, hh, mm, tz=ET)

    j.new(
        "g1",
        "USD10Y",
        t(10),
        "4.125",
        qty="250000000",
        tags={"platform": "XSEF", "block_election": "true"},
    )
    j.fill("g1", t(10, 1), "G-T1", "USD10Y", "250000000", "4.125")
    j.new(
        "g2",
        "USD10Y",
        t(15),
        "4.100",
        qty="180000000",
        tags={
            "lns_election": "true",
            "reporting_party": "us",
            "counterparty_ids": "Acme Pension Fund",
        },
    )
    j.fill("g2", t(15), "G-T2", "USD10Y", "180000000", "4.100")
    j.new("g3", "EUR5Y", t(15, 30), "3.2500", qty="1234567", tags={"reporting_party": "us"})
    j.fill("g3", t(15, 30), "G-T3", "EUR5Y", "1234567", "3.2500")
    j.new(
        "g4",
        "USD10Y",
        t(16),
        "4.0",
        qty="5000000",
        tags={"lns_election": "true", "reporting_party": "us"},
    )
    j.fill("g4", t(16), "G-T4", "USD10Y", "5000000", "4.0")
    j.new(
        "g5",
        "USD10Y",
        t(23, 30),
        "0.01",
        qty="5000000",
        tags={"reporting_party": "us", "post_priced": "true", "price_pending": "true"},
    )
    j.fill("g5", t(23, 30), "G-T5", "USD10Y", "5000000", "0.01")
    j.new(
        "g6",
        "USD10Y",
        t(12),
        "4",
        qty="5000000",
        tags={"reporting_party": "us", "platform": "549300ACMEBANK00XX12"},
    )
    j.fill("g6", t(12), "G-T6", "USD10Y", "5000000", "4")
    return j
