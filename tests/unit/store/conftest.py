"""Store fixtures: the same suite runs on memory, a SQLite file and PostgreSQL.

PostgreSQL tests need ``BOLT_EXEC_TEST_PG_URL``; without it they are skipped
with instructions (``eval "$(scripts/ci-postgres.sh)"``).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from bolt_exec.model.enums import OrderType, Side, TimeInForce
from bolt_exec.model.events import (
    OrderAccepted,
    OrderCanceled,
    OrderFilled,
    OrderInitialized,
    OrderPendingCancel,
    OrderSubmitted,
)
from bolt_exec.store import MemoryOrderStore, OrderStore, SqlOrderStore
from bolt_exec.store.schema import VERSION_TABLE
from bolt_exec.store.tables import METADATA

PG_ENV = "BOLT_EXEC_TEST_PG_URL"
PG_HOWTO = (
    f"PostgreSQL store tests skipped: {PG_ENV} is not set. Run them with: "
    'eval "$(scripts/ci-postgres.sh)" && pytest tests/unit/store'
)


def pg_url() -> str:
    """Return the test server's URL, or skip with instructions."""
    url = os.environ.get(PG_ENV)
    if not url:
        pytest.skip(PG_HOWTO)
    return url


def wipe_pg(url: str) -> None:
    """Drop every bolt table (and test leftovers) from the throw-away test database."""
    engine = create_engine(url)
    with engine.begin() as conn:
        METADATA.drop_all(conn)
        for name in (VERSION_TABLE, "someone_elses_table"):
            conn.execute(text(f"DROP TABLE IF EXISTS {name}"))
    engine.dispose()


class Ev:
    """Builders of events with deterministic ids (``{coid}-{n}``)."""

    def __init__(self) -> None:
        self.n: dict[str, int] = {}

    def _id(self, coid: str) -> str:
        self.n[coid] = self.n.get(coid, 0) + 1
        return f"{coid}-{self.n[coid]}"

    def init(
        self,
        coid: str,
        *,
        side: Side = Side.BUY,
        qty: str = "10",
        px: str | None = "100.00",
        symbol: str = "AAPL",
        broker: str = "paper",
        ts: int = 1,
    ) -> OrderInitialized:
        return OrderInitialized(
            client_order_id=coid,
            ts_event=ts,
            ts_init=ts,
            event_id=self._id(coid),
            symbol=symbol,
            side=side,
            order_type=OrderType.LIMIT if px is not None else OrderType.MARKET,
            qty=Decimal(qty),
            limit_px=Decimal(px) if px is not None else None,
            tif=TimeInForce.GTC,
            broker=broker,
            strategy_id="s1",
        )

    def submit(self, coid: str, ts: int = 2) -> OrderSubmitted:
        return OrderSubmitted(
            client_order_id=coid, ts_event=ts, ts_init=ts, event_id=self._id(coid), broker="paper"
        )

    def accept(self, coid: str, ts: int = 3) -> OrderAccepted:
        return OrderAccepted(
            client_order_id=coid,
            ts_event=ts,
            ts_init=ts,
            event_id=self._id(coid),
            venue_order_id=f"V-{coid}",
        )

    def fill(
        self,
        coid: str,
        trade_id: str,
        qty: str,
        px: str = "100.00",
        *,
        side: Side = Side.BUY,
        symbol: str = "AAPL",
        ts: int = 4,
        fee: str = "0",
    ) -> OrderFilled:
        return OrderFilled(
            client_order_id=coid,
            ts_event=ts,
            ts_init=ts,
            event_id=self._id(coid),
            trade_id=trade_id,
            symbol=symbol,
            side=side,
            last_qty=Decimal(qty),
            last_px=Decimal(px),
            fee=Decimal(fee),
        )

    def pending_cancel(self, coid: str, ts: int = 5) -> OrderPendingCancel:
        return OrderPendingCancel(
            client_order_id=coid, ts_event=ts, ts_init=ts, event_id=self._id(coid)
        )

    def cancel(self, coid: str, ts: int = 6) -> OrderCanceled:
        return OrderCanceled(client_order_id=coid, ts_event=ts, ts_init=ts, event_id=self._id(coid))


@pytest.fixture
def ev() -> Ev:
    return Ev()


StoreFactory = Callable[[], OrderStore]


@pytest.fixture(params=["memory", "sqlite", "postgres"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def location(backend: str, tmp_path: Path) -> str | None:
    """Where a durable store lives for this test (None for memory)."""
    if backend == "memory":
        return None
    if backend == "sqlite":
        return str(tmp_path / "bolt.db")
    url = pg_url()
    wipe_pg(url)
    return url


@pytest.fixture
def open_again(backend: str, location: str | None) -> Iterator[StoreFactory]:
    """Open (and later close) a store on this test's location; memory gives a fresh one."""
    opened: list[OrderStore] = []

    def make() -> OrderStore:
        store: OrderStore = MemoryOrderStore() if location is None else SqlOrderStore(location)
        opened.append(store)
        return store

    yield make
    for s in opened:
        s.close()


@pytest.fixture
def store(open_again: StoreFactory) -> OrderStore:
    return open_again()
