"""A fixed trading session (hand-built journal with deterministic timestamps) for MiFID goldens.

Friday 2026-11-20, firm Bolt Test Capital (an investment firm, member of XPAR via its French
branch), one French natural-person client, one corporate client with a transmitting firm,
one German trader and the algorithm VWAP1:

* O-1: AOTC buy of TotalEnergies for the natural person, executed by VWAP1, two partial fills.
* O-2: DEAL sale decided by trader T-DE-1, short-sale flag SELL, one fill, amended first.
* O-3: AOTC buy for the corporate client at 23:59:59.9999999Z (T+1 falls on Monday).
* O-4: an OTC option (not in FIRDS) bought on own account from a named counterparty.
* O-5: a sale with no client tag, no short-selling flag and an unknown symbol's twin
  (every problem must be named in the issues, not left blank).
* O-6: a fill on the previous day, which the 2026-11-20 report must leave out.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from bolt_exec.compliance.mifid import (
    Client,
    DecisionMaker,
    Firm,
    InstrumentRef,
    Person,
    PersonId,
    ReferenceData,
    Staff,
)
from bolt_exec.model.enums import LiquiditySide, OrderType, Side, TimeInForce
from bolt_exec.model.events import (
    OrderAccepted,
    OrderCanceled,
    OrderEvent,
    OrderFilled,
    OrderInitialized,
    OrderPendingReplace,
    OrderReplaced,
    OrderSubmitted,
)

FIRM_LEI = "549300BOLTEXEC0FIR82"
CLIENT_LEI = "969500UP76J52A9OXU27"
TRANSMITTER_LEI = "506700GE1G29325QX363"
CCP_LEI = "HWUPKR0MPOU8FGXBT394"


def ns(
    year: int,
    month: int,
    day: int,
    hour: int,
    minute: int,
    second: int,
    microsecond: int = 0,
    extra_ns: int = 0,
) -> int:
    """UNIX nanoseconds of a UTC wall time, plus ``extra_ns`` below the microsecond."""
    moment = datetime(year, month, day, hour, minute, second, microsecond, tzinfo=UTC)
    return int(moment.timestamp()) * 1_000_000_000 + moment.microsecond * 1000 + extra_ns


@pytest.fixture
def firm() -> Firm:
    return Firm(
        lei=FIRM_LEI,
        home_country="FR",
        branch_membership_country="FR",
        activity="other",
    )


@pytest.fixture
def reference() -> ReferenceData:
    anna = Person(
        first_name="Anna", surname="Li", birth_date=date(1980, 5, 2), nationalities=("FR",)
    )
    trader = Person(
        first_name="Jürgen",
        surname="von Müller",
        birth_date=date(1975, 1, 31),
        nationalities=("DE", "US"),
    )
    director = Person(
        first_name="Søren",
        surname="Kierkegaard",
        birth_date=date(1970, 3, 3),
        nationalities=("DK",),
        identifiers=(PersonId(kind="NIDN", country="DK", value="0303701234"),),
    )
    return ReferenceData(
        clients=(
            Client(client_id="C-ANNA", person=anna, branch_country="FR"),
            Client(
                client_id="C-CORP",
                lei=CLIENT_LEI,
                branch_country="FR",
                decision_maker=DecisionMaker(person=director),
                transmitting_firm_lei=TRANSMITTER_LEI,
            ),
        ),
        staff=(Staff(staff_id="T-DE-1", person=trader, branch_country="DE"),),
        algorithms=("VWAP1",),
        instruments=(
            InstrumentRef(
                symbol="TTE",
                isin="FR0000120271",
                venue_mic="XPAR",
                currency="EUR",
                ccp_lei=CCP_LEI,
                cfi="ESVUFR",
            ),
            InstrumentRef(
                symbol="SAP-OTC-CALL",
                venue_mic="XXXX",
                currency="EUR",
                in_firds=False,
                full_name="SAP SE call 2027-06-18 strike 200 EUR (bilateral)",
                cfi="HESCVP",
                notional_currency="EUR",
                price_multiplier=Decimal(100),
                underlying_isin="DE0007164600",
                option_type="CALL",
                strike_price=Decimal(200),
                strike_currency="EUR",
                exercise_style="EURO",
                expiry_date=date(2027, 6, 18),
                delivery_type="PHYS",
            ),
        ),
    )


def _order(
    coid: str,
    side: Side,
    qty: str,
    ts: int,
    *,
    px: str | None = "55.25",
    symbol: str = "TTE",
    strategy: str = "",
    tags: dict[str, str] | None = None,
) -> list[OrderEvent]:
    return [
        OrderInitialized(
            client_order_id=coid,
            ts_event=ts,
            ts_init=ts,
            event_id=f"{coid}-1",
            symbol=symbol,
            side=side,
            order_type=OrderType.LIMIT if px else OrderType.MARKET,
            qty=Decimal(qty),
            limit_px=Decimal(px) if px else None,
            tif=TimeInForce.DAY,
            broker="paper",
            strategy_id=strategy,
            tags=tags or {},
        ),
        OrderSubmitted(
            client_order_id=coid,
            ts_event=ts + 1000,
            ts_init=ts + 1000,
            event_id=f"{coid}-2",
            broker="paper",
        ),
        OrderAccepted(
            client_order_id=coid,
            ts_event=ts + 250_000,
            ts_init=ts + 260_000,
            event_id=f"{coid}-3",
            venue_order_id=f"V{coid}",
        ),
    ]


def _fill(
    coid: str, trade_id: str, side: Side, qty: str, px: str, ts: int, symbol: str = "TTE"
) -> OrderFilled:
    return OrderFilled(
        client_order_id=coid,
        ts_event=ts,
        ts_init=ts + 5000,
        event_id=f"{coid}-{trade_id}",
        trade_id=trade_id,
        symbol=symbol,
        side=side,
        last_qty=Decimal(qty),
        last_px=Decimal(px),
        venue_order_id=f"V{coid}",
        fee=Decimal("0.55"),
        fee_currency="EUR",
        liquidity=LiquiditySide.TAKER,
    )


@pytest.fixture
def session_events() -> list[OrderEvent]:
    events: list[OrderEvent] = []
    # O-6: previous day, must not appear in the 2026-11-20 transaction report.
    events += _order(
        "O-6",
        Side.BUY,
        "10",
        ns(2026, 11, 19, 15, 0, 0),
        tags={"mifid.capacity": "DEAL", "mifid.decision": "T-DE-1", "mifid.execution": "T-DE-1"},
    )
    events.append(_fill("O-6", "XP-0001", Side.BUY, "10", "54.9", ns(2026, 11, 19, 15, 0, 1)))
    # O-1: AOTC for a natural person, algo-executed, two partial fills.
    events += _order(
        "O-1",
        Side.BUY,
        "300",
        ns(2026, 11, 20, 8, 0, 0, 123456, 789),
        strategy="VWAP1",
        tags={"mifid.capacity": "AOTC", "mifid.client": "C-ANNA"},
    )
    events.append(
        _fill("O-1", "XP-1001", Side.BUY, "100", "55.25", ns(2026, 11, 20, 8, 0, 1, 999999, 999))
    )
    events.append(
        _fill("O-1", "XP-1002", Side.BUY, "200", "55.2", ns(2026, 11, 20, 9, 30, 0, 500000))
    )
    # A replayed duplicate of the first fill: reporters de-duplicate by trade id.
    events.append(
        _fill("O-1", "XP-1001", Side.BUY, "100", "55.25", ns(2026, 11, 20, 8, 0, 1, 999999, 999))
    )
    # O-2: DEAL sale by a trader, amended before it filled.
    events += _order(
        "O-2",
        Side.SELL,
        "50",
        ns(2026, 11, 20, 10, 0, 0),
        px="55.4",
        strategy="VWAP1",
        tags={"mifid.capacity": "DEAL", "mifid.decision": "T-DE-1", "mifid.short_selling": "SELL"},
    )
    events.append(
        OrderPendingReplace(
            client_order_id="O-2",
            ts_event=ns(2026, 11, 20, 10, 5, 0),
            ts_init=ns(2026, 11, 20, 10, 5, 0),
            event_id="O-2-4",
            limit_px=Decimal("55.3"),
        )
    )
    events.append(
        OrderReplaced(
            client_order_id="O-2",
            ts_event=ns(2026, 11, 20, 10, 5, 0, 2000),
            ts_init=ns(2026, 11, 20, 10, 5, 0, 3000),
            event_id="O-2-5",
            venue_order_id="VO-2",
            limit_px=Decimal("55.3"),
        )
    )
    events.append(
        _fill("O-2", "XP-2001", Side.SELL, "50", "55.3", ns(2026, 11, 20, 10, 6, 0, 1500))
    )
    # O-3: AOTC for a corporate client, executed at the last instant of Friday (UTC).
    events += _order(
        "O-3",
        Side.BUY,
        "1000",
        ns(2026, 11, 20, 23, 59, 0),
        px=None,
        tags={"mifid.capacity": "AOTC", "mifid.client": "C-CORP", "mifid.execution": "T-DE-1"},
    )
    events.append(
        _fill(
            "O-3",
            "XP-3001",
            Side.BUY,
            "1000",
            "55.123456789012345",
            ns(2026, 11, 20, 23, 59, 59, 999999, 900),
        )
    )
    # O-4: an OTC option, not in FIRDS, bought on own account from a named counterparty.
    events += _order(
        "O-4",
        Side.BUY,
        "5",
        ns(2026, 11, 20, 14, 0, 0),
        px="12.5",
        symbol="SAP-OTC-CALL",
        tags={
            "mifid.capacity": "DEAL",
            "mifid.decision": "T-DE-1",
            "mifid.execution": "T-DE-1",
            "mifid.counterparty": CCP_LEI,
            "mifid.otc_post_trade": "SIZE",
        },
    )
    events.append(
        _fill(
            "O-4",
            "OTC-77",
            Side.BUY,
            "5",
            "12.5",
            ns(2026, 11, 20, 14, 0, 3, 250),
            symbol="SAP-OTC-CALL",
        )
    )
    # O-5: missing regulatory data everywhere; then the remainder is canceled.
    events += _order(
        "O-5",
        Side.SELL,
        "20",
        ns(2026, 11, 20, 15, 0, 0),
        px="55.0",
        tags={"mifid.capacity": "AOTC", "mifid.execution": "NOBODY", "mifid.waivers": "SIZE FAKE"},
    )
    events.append(_fill("O-5", "XP-5001", Side.SELL, "5", "55", ns(2026, 11, 20, 15, 0, 1)))
    events.append(
        OrderCanceled(
            client_order_id="O-5",
            ts_event=ns(2026, 11, 20, 15, 1, 0),
            ts_init=ns(2026, 11, 20, 15, 1, 0),
            event_id="O-5-9",
            reason="user",
        )
    )
    return events
