"""Paper venue persistence: the whole venue state as one JSON document, written atomically.

A paper account must survive restarts (multi-day paper sessions), and crash
tests need a venue that outlives the OMS process. The broker saves *before*
it tells the OMS anything (write-ahead on the venue side too), so the venue
never forgets a fill the OMS may have journaled. Writes go to a temporary
file that is fsynced and renamed over the old one: a crash leaves either the
old state or the new, never half of one.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from datetime import datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import msgspec

from bolt_exec.adapters.paper.account import VenueAccount
from bolt_exec.adapters.paper.book import Quote, VenueOrder
from bolt_exec.errors import StoreError
from bolt_exec.model.commands import SubmitOrder
from bolt_exec.model.enums import OrderStatus
from bolt_exec.model.reports import FillReport

__all__ = [
    "VenueState",
    "next_session_close",
    "read_state",
    "restore",
    "snapshot",
    "write_state",
]

STATE_VERSION = 1


class SavedOrder(msgspec.Struct, frozen=True, kw_only=True):
    """A VenueOrder as stored."""

    cmd: SubmitOrder
    venue_order_id: str
    seq: int
    qty: Decimal
    limit_px: Decimal | None
    stop_px: Decimal | None
    ts_accepted: int
    filled: Decimal
    notional: Decimal
    status: OrderStatus
    is_triggered: bool
    modifications: int


class SavedQuote(msgspec.Struct, frozen=True, kw_only=True):
    """A top of book as stored."""

    bid: Decimal | None
    ask: Decimal | None
    bid_size: Decimal
    ask_size: Decimal
    last: Decimal | None
    ts: int


class VenueState(msgspec.Struct, kw_only=True):
    """Everything a paper venue knows."""

    version: int = STATE_VERSION
    broker: str
    seq: int
    trade_seq: int
    orders: list[SavedOrder]
    fills: list[FillReport]
    positions: dict[str, Decimal]
    cash: dict[str, Decimal]
    books: dict[str, SavedQuote]


def save_order(vo: VenueOrder) -> SavedOrder:
    """Snapshot a VenueOrder."""
    return SavedOrder(
        cmd=vo.cmd,
        venue_order_id=vo.venue_order_id,
        seq=vo.seq,
        qty=vo.qty,
        limit_px=vo.limit_px,
        stop_px=vo.stop_px,
        ts_accepted=vo.ts_accepted,
        filled=vo.filled,
        notional=vo.notional,
        status=vo.status,
        is_triggered=vo.is_triggered,
        modifications=vo.modifications,
    )


def load_order(saved: SavedOrder) -> VenueOrder:
    """Rebuild a VenueOrder (expiry timers are re-armed by the broker)."""
    return VenueOrder(
        saved.cmd,
        saved.venue_order_id,
        saved.seq,
        saved.qty,
        saved.limit_px,
        saved.stop_px,
        saved.ts_accepted,
        filled=saved.filled,
        notional=saved.notional,
        status=saved.status,
        is_triggered=saved.is_triggered,
        modifications=saved.modifications,
    )


def save_quote(q: Quote) -> SavedQuote:
    """Snapshot a book."""
    return SavedQuote(
        bid=q.bid, ask=q.ask, bid_size=q.bid_size, ask_size=q.ask_size, last=q.last, ts=q.ts
    )


def load_quote(s: SavedQuote) -> Quote:
    """Rebuild a book with its full displayed size available again."""
    return Quote(
        bid=s.bid,
        ask=s.ask,
        bid_size=s.bid_size,
        ask_size=s.ask_size,
        avail_bid=s.bid_size,
        avail_ask=s.ask_size,
        last=s.last,
        ts=s.ts,
    )


_ENCODER = msgspec.json.Encoder(decimal_format="string")
_DECODER = msgspec.json.Decoder(VenueState)


def write_state(path: Path, state: VenueState) -> None:
    """Write ``state`` to ``path`` atomically (temp file, fsync, rename)."""
    tmp = path.with_name(path.name + ".tmp")
    data = _ENCODER.encode(state)
    with open(tmp, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def read_state(path: Path, broker: str) -> VenueState | None:
    """Read the state at ``path``; None if there is no file.

    Raises:
        StoreError: the file is not a paper venue state, or belongs to another broker, or
            was written by a newer version. Nothing is overwritten.
    """
    if not path.exists():
        return None
    try:
        state = _DECODER.decode(path.read_bytes())
    except (msgspec.DecodeError, msgspec.ValidationError) as exc:
        raise StoreError(
            f"paper venue state {str(path)!r} is unreadable ({exc}); move it away to start a "
            "fresh paper account, or restore it from a backup"
        ) from exc
    if state.version > STATE_VERSION:
        raise StoreError(
            f"paper venue state {str(path)!r} has version {state.version}, newer than this "
            f"bolt_exec understands ({STATE_VERSION}); upgrade bolt_exec"
        )
    if state.broker != broker:
        raise StoreError(
            f"paper venue state {str(path)!r} belongs to broker {state.broker!r}, not "
            f"{broker!r}; pass name={state.broker!r} or use another file"
        )
    return state


def next_session_close(ts_ns: int, close: time, tz: ZoneInfo) -> int:
    """The first session close (``close`` local time in ``tz``) strictly after ``ts_ns``."""
    local = datetime.fromtimestamp(ts_ns / 1e9, tz)
    when = datetime.combine(local.date(), close, tz)
    if when <= local:
        when = datetime.combine(local.date() + timedelta(days=1), close, tz)
    return int(when.timestamp()) * 1_000_000_000


def snapshot(
    broker: str,
    seq: int,
    orders: Iterable[VenueOrder],
    account: VenueAccount,
    books: dict[str, Quote],
) -> VenueState:
    """The venue's whole state, ready to write."""
    return VenueState(
        broker=broker,
        seq=seq,
        trade_seq=account.trade_seq,
        orders=[save_order(vo) for vo in orders],
        fills=list(account.fills),
        positions=dict(account.positions),
        cash=dict(account.cash),
        books={s: save_quote(q) for s, q in books.items()},
    )


def restore(saved: VenueState, account: VenueAccount, books: dict[str, Quote]) -> list[VenueOrder]:
    """Load ``saved`` into ``account`` and ``books``; return the orders in arrival order."""
    account.trade_seq = saved.trade_seq
    account.fills = list(saved.fills)
    account.positions = dict(saved.positions)
    account.cash = dict(saved.cash)
    books.clear()
    books.update({s: load_quote(q) for s, q in saved.books.items()})
    return [load_order(so) for so in sorted(saved.orders, key=lambda o: o.seq)]
