"""bolt_exec commands -> kiteconnect call arguments, and Kite's instruments dump (pure).

Client order ids travel in Kite's ``tag`` (at most 20 alphanumeric characters,
not enforced unique by Kite); :func:`tag_for` is the deterministic mapping,
documented there. Prices are sent on the instrument's tick grid and
quantities on its lot grid, both read from the instruments dump.
Events and reports in the other direction are in :mod:`.translate`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any, Final

from bolt_exec.errors import UnsupportedError, ValidationError
from bolt_exec.model.commands import AmendOrder, SubmitOrder
from bolt_exec.model.enums import AssetClass, OrderType, TimeInForce
from bolt_exec.model.instrument import Instrument

__all__ = [
    "ORDER_TYPES",
    "TAG_MAX_LEN",
    "amend_params",
    "instrument_from_row",
    "place_params",
    "split_symbol",
    "tag_for",
]

TAG_MAX_LEN: Final = 20
_TAG_ALPHABET: Final = "0123456789abcdefghijklmnopqrstuvwxyz"
ORDER_TYPES: Final[dict[OrderType, str]] = {
    OrderType.MARKET: "MARKET",
    OrderType.LIMIT: "LIMIT",
    OrderType.STOP: "SL-M",  # stop-market
    OrderType.STOP_LIMIT: "SL",  # stop-limit: trigger_price + price
}
_TIFS: Final[dict[TimeInForce, str]] = {TimeInForce.DAY: "DAY", TimeInForce.IOC: "IOC"}
_TIFS_BACK: Final = {v: k for k, v in _TIFS.items()}


def tag_for(client_order_id: str) -> str:
    """Return the Kite ``tag`` that carries ``client_order_id`` (deterministic).

    Kite tags are at most 20 alphanumeric characters. The mapping:

    * an id of 1-19 ASCII letters and digits is its own tag (readable in the Kite console);
    * any other id becomes exactly 20 characters: ``"z"`` followed by the first 19 base-36
      digits of ``sha256(id)`` (about 98 bits, so collisions are negligible).

    Identity tags are never 20 characters long and hashed tags always are, so the two
    ranges cannot collide. The adapter keeps ``tag -> client_order_id`` for the orders it
    sent; after a restart :meth:`KiteBroker.adopt_client_order_ids` rebuilds it from the
    journal.

    Raises:
        ValidationError: if ``client_order_id`` is empty.
    """
    if not client_order_id:
        raise ValidationError("client_order_id", client_order_id, "must not be empty")
    if (
        len(client_order_id) < TAG_MAX_LEN
        and client_order_id.isascii()
        and (client_order_id.isalnum())
    ):
        return client_order_id
    n = int.from_bytes(hashlib.sha256(client_order_id.encode()).digest(), "big")
    digits = []
    for _ in range(TAG_MAX_LEN - 1):
        n, r = divmod(n, 36)
        digits.append(_TAG_ALPHABET[r])
    return "z" + "".join(digits)


def split_symbol(symbol: str, default_exchange: str) -> tuple[str, str]:
    """Return ``(exchange, tradingsymbol)`` of ``"NSE:INFY"`` or of a bare ``"INFY"``."""
    if ":" in symbol:
        exchange, _, tradingsymbol = symbol.partition(":")
        return exchange, tradingsymbol
    return default_exchange, symbol


def _fmt_px(px: Decimal, instrument: Instrument, field_name: str) -> float:
    instrument.check_px(px, field_name)
    # kiteconnect sends str(value); a float built from the on-grid Decimal's shortest repr
    # prints back exactly (1400.05 -> "1400.05"), never 1400.0500000000002.
    return float(px)


def _fmt_qty(qty: Decimal, instrument: Instrument, field_name: str) -> int:
    instrument.check_qty(qty, field_name)
    if qty != qty.to_integral_value():
        raise ValidationError(field_name, str(qty), "Kite quantities are whole numbers")
    return int(qty)


def place_params(
    command: SubmitOrder,
    instrument: Instrument,
    *,
    default_exchange: str,
    product: str,
    variety: str = "regular",
    market_protection: int | None = None,
) -> dict[str, Any]:
    """Return the keyword arguments of ``KiteConnect.place_order`` for ``command``.

    Raises:
        UnsupportedError: for a TIF, reduce-only or post-only order Kite cannot take.
        ValidationError: when a price is off the tick grid or the quantity off the lot grid.
    """
    if command.tif not in _TIFS:
        raise UnsupportedError(
            f"tif={command.tif.value!r}: Kite supports only DAY and IOC; use one of those"
        )
    if command.reduce_only or command.post_only:
        flag = "reduce_only" if command.reduce_only else "post_only"
        raise UnsupportedError(f"{flag}=True: Kite has no such order flag; send without it")
    exchange, tradingsymbol = split_symbol(command.symbol, default_exchange)
    params: dict[str, Any] = {
        "variety": variety,
        "exchange": exchange,
        "tradingsymbol": tradingsymbol,
        "transaction_type": command.side.value,
        "quantity": _fmt_qty(command.qty, instrument, "qty"),
        "product": product,
        "order_type": ORDER_TYPES[command.order_type],
        "validity": _TIFS[command.tif],
        "tag": tag_for(command.client_order_id),
    }
    if command.order_type in (OrderType.LIMIT, OrderType.STOP_LIMIT):
        if command.limit_px is None:
            raise ValidationError("limit_px", None, f"a {command.order_type} order needs a price")
        params["price"] = _fmt_px(command.limit_px, instrument, "limit_px")
    if command.order_type in (OrderType.STOP, OrderType.STOP_LIMIT):
        if command.stop_px is None:
            raise ValidationError("stop_px", None, f"a {command.order_type} order needs a trigger")
        params["trigger_price"] = _fmt_px(command.stop_px, instrument, "stop_px")
    if market_protection is not None and command.order_type in (OrderType.MARKET, OrderType.STOP):
        params["market_protection"] = market_protection
    return params


def amend_params(
    command: AmendOrder, instrument: Instrument, *, order_id: str, variety: str = "regular"
) -> dict[str, Any]:
    """Return the keyword arguments of ``KiteConnect.modify_order`` for ``command``.

    Raises:
        ValidationError: when the amend changes nothing or is off the tick/lot grid.
    """
    params: dict[str, Any] = {"variety": variety, "order_id": order_id}
    if command.qty is not None:
        params["quantity"] = _fmt_qty(command.qty, instrument, "qty")
    if command.limit_px is not None:
        params["price"] = _fmt_px(command.limit_px, instrument, "limit_px")
    if command.stop_px is not None:
        params["trigger_price"] = _fmt_px(command.stop_px, instrument, "stop_px")
    if len(params) == 2:
        raise ValidationError(
            "amend", command.client_order_id, "changes nothing", "give qty, limit_px or stop_px"
        )
    return params


def instrument_from_row(row: Mapping[str, Any], *, default_exchange: str) -> Instrument:
    """Return the Instrument of one row of Kite's instruments dump (CSV, as kiteconnect parses it).

    Tick and lot sizes come from the dump, never from constants (NSE moved many stocks
    from a 0.05 to a 0.01 tick in 2025). Symbols on ``default_exchange`` are bare
    (``INFY``); others are ``EXCHANGE:TRADINGSYMBOL``.
    """
    exchange = str(row["exchange"])
    tradingsymbol = str(row["tradingsymbol"])
    symbol = tradingsymbol if exchange == default_exchange else f"{exchange}:{tradingsymbol}"
    lot = Decimal(str(row.get("lot_size") or 1))
    itype = str(row.get("instrument_type") or "EQ")
    asset = {"FUT": AssetClass.FUTURE, "CE": AssetClass.OPTION, "PE": AssetClass.OPTION}.get(
        itype, AssetClass.EQUITY
    )
    expiry = row.get("expiry")
    extra: tuple[tuple[str, str], ...] = (
        ("instrument_token", str(row.get("instrument_token", ""))),
    )
    if isinstance(expiry, date | str) and expiry:
        extra += (("expiry", str(expiry)),)
    return Instrument(
        symbol=symbol,
        venue=exchange,
        asset_class=asset,
        currency="INR",
        tick_size=Decimal(repr(float(row["tick_size"]))),
        lot_size=lot,
        min_qty=lot,
        extra=extra,
    )
