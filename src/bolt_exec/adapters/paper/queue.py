"""Queue position of a resting limit order at its price level (the paper venue's estimate).

Theory of operation
-------------------
A venue fills a price level first-in, first-out. The paper venue sees only
the top of book and trade prints, so it estimates how much displayed size is
*ahead* of each resting limit order:

* **Join.** An order that rests at the near touch (a BUY at the bid) joins
  behind the whole displayed size there: ``ahead = displayed``. An order
  priced better than the touch is first: ``ahead = 0``. An order behind the
  touch cannot see its level; its queue is set when the level becomes the
  touch (conservatively, everything displayed then is ahead).
* **Trades at the level** consume the queue from the front:
  ``fill = max(0, size - ahead)``, ``ahead = max(0, ahead - size)``.
* **Cancels ahead.** When the displayed size at the level shrinks by more than
  the trades explain, the shrinkage is taken to come from cancels spread pro
  rata over the queue: ``ahead *= new_size / old_size``. Growth joins behind us.
* **Level cleared.** If the near touch moves past our price (the bid drops
  below a BUY's limit), everything ahead of us at that level is gone:
  ``ahead = 0``.

Quote-only data carries no trades, so then an order fills only when the far
touch reaches its price (the existing crossing rule); the queue model adds
fills from prints at the level when trades are fed.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Final

from bolt_exec.adapters.paper.book import Quote, VenueOrder
from bolt_exec.model.enums import Side
from bolt_exec.model.numbers import ZERO

__all__ = ["on_level_quote", "on_level_trade"]

# Enum members and status sets as module constants: the compiled build (setup.py) reads
# these as C statics, where ``Side.BUY`` is a lookup through the enum's metaclass.
_BUY: Final = Side.BUY


def _near(book: Quote, side: Side) -> tuple[Decimal | None, Decimal]:
    if side is _BUY:
        return book.bid, book.bid_size
    return book.ask, book.ask_size


def _behind_touch(side: Side, limit: Decimal, near: Decimal) -> bool:
    return limit < near if side is _BUY else limit > near


def on_level_quote(vo: VenueOrder, book: Quote) -> None:
    """Update ``vo``'s queue estimate from a new top of book (before matching)."""
    limit = vo.limit_px
    near, size = _near(book, vo.side)
    if limit is None or near is None:
        return
    if near == limit:
        if not vo.queue_known:
            vo.queue_ahead, vo.queue_known = size, True
        elif size < vo.level_size and vo.level_size > 0:
            vo.queue_ahead = vo.queue_ahead * size / vo.level_size  # cancels ahead, pro rata
        vo.level_size = size
    elif not _behind_touch(vo.side, limit, near):
        # our price is better than the touch: the level in front of us is empty
        vo.queue_ahead, vo.queue_known, vo.level_size = ZERO, True, ZERO


def on_level_trade(vo: VenueOrder, size: Decimal) -> Decimal:
    """Consume the queue by a print at ``vo``'s price; return the quantity that fills ``vo``."""
    if not vo.queue_known:
        return ZERO
    reach = size - vo.queue_ahead
    vo.queue_ahead = max(ZERO, vo.queue_ahead - size)
    vo.level_size = max(ZERO, vo.level_size - size)
    return min(vo.leaves, reach) if reach > 0 else ZERO
