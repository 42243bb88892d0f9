"""Small builders for MiFID unit tests: a firm, reference data and one-fill journals."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from _mifid_helpers import CCP_LEI, FIRM_LEI, OTHER_LEI, JournalFactory, ts

from bolt_exec.compliance.calendar import HolidayCalendar, load_calendar
from bolt_exec.compliance.mifid import (
    Client,
    Firm,
    InstrumentRef,
    MifidRules,
    Person,
    ReferenceData,
    Staff,
    load_mifid_config,
)
from bolt_exec.model.enums import OrderType, Side
from bolt_exec.model.events import OrderEvent, OrderFilled, OrderInitialized


@pytest.fixture(scope="session")
def rules() -> MifidRules:
    return load_mifid_config().on(date(2026, 11, 20))


@pytest.fixture(scope="session")
def target() -> HolidayCalendar:
    return load_calendar("EU-TARGET")


@pytest.fixture
def firm() -> Firm:
    return Firm(lei=FIRM_LEI, home_country="FR", branch_membership_country="FR")


@pytest.fixture
def reference() -> ReferenceData:
    return ReferenceData(
        clients=(
            Client(client_id="C-LEI", lei=OTHER_LEI, branch_country="FR"),
            Client(
                client_id="C-ANNA",
                branch_country="FR",
                person=Person(
                    first_name="Anna",
                    surname="Li",
                    birth_date=date(1980, 5, 2),
                    nationalities=("FR",),
                ),
            ),
            Client(client_id="C-FIRM", lei=FIRM_LEI, branch_country="FR"),
        ),
        staff=(
            Staff(
                staff_id="T1",
                branch_country="FR",
                person=Person(
                    first_name="Paul",
                    surname="Martin",
                    birth_date=date(1985, 7, 14),
                    nationalities=("FR",),
                ),
            ),
        ),
        algorithms=("ALGO1",),
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
                symbol="OTC", isin="FR0000120271", venue_mic="XOFF", currency="EUR", cfi="ESVUFR"
            ),
        ),
    )


@pytest.fixture
def journal() -> JournalFactory:
    """Return ``make(side=..., tags=..., px=..., qty=..., at=..., symbol=..., trade_id=...)``."""

    def make(
        *,
        side: Side = Side.BUY,
        tags: dict[str, str] | None = None,
        px: str = "55.25",
        qty: str = "100",
        at: int | None = None,
        symbol: str = "TTE",
        trade_id: str = "T-1",
        strategy_id: str = "",
    ) -> list[OrderEvent]:
        when = ts(2026, 11, 20, 9, 0, 0) if at is None else at
        return [
            OrderInitialized(
                client_order_id="O-1",
                ts_event=when - 1000,
                ts_init=when - 1000,
                symbol=symbol,
                side=side,
                order_type=OrderType.LIMIT,
                qty=Decimal(qty),
                limit_px=Decimal(px),
                strategy_id=strategy_id,
                tags=tags or {},
            ),
            OrderFilled(
                client_order_id="O-1",
                ts_event=when,
                ts_init=when,
                trade_id=trade_id,
                symbol=symbol,
                side=side,
                last_qty=Decimal(qty),
                last_px=Decimal(px),
            ),
        ]

    return make
