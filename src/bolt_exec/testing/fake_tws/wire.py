"""TWS API wire format for the fake TWS: framing and the server's message layouts.

Theory of operation
-------------------
After a raw ``API\\0`` prefix and one framed version-range message, every
message in both directions is a big-endian ``uint32`` length followed by
NUL-terminated text fields; the first field is the message id. The layouts
below are what ib_async 2.1 / ib_insync 0.9 decode at server version 176 (the
version this fake advertises); each builder returns the field list in order.

This module deliberately shares nothing with ``bolt_exec.adapters.ibkr``: if the
adapter's codec misread a field, a fake built from the same code would misread
it the same way and the tests would pass on a bug.
"""

from __future__ import annotations

import struct
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Final

__all__ = [
    "SERVER_VERSION",
    "FakeContract",
    "commission_report",
    "completed_order",
    "contract_data",
    "error",
    "exec_details",
    "frame",
    "open_order",
    "order_status",
    "position",
    "split_frames",
]

SERVER_VERSION: Final = 176
"""Both ib_async 2.1 and ib_insync 0.9 decode the same layouts at 176."""

Field = str | int | Decimal | bool | None


@dataclass(frozen=True, slots=True)
class FakeContract:
    """A contract as the fake TWS knows it."""

    con_id: int
    symbol: str
    sec_type: str = "STK"
    exchange: str = "SMART"
    primary_exchange: str = "NASDAQ"
    currency: str = "USD"
    min_tick: Decimal = Decimal("0.01")
    multiplier: str = ""

    def wire11(self, exchange: str | None = None) -> list[Field]:
        """The 11-field inline contract used by openOrder/execDetails/position."""
        return [
            self.con_id,
            self.symbol,
            self.sec_type,
            "",
            "0",
            "",
            self.multiplier,
            self.exchange if exchange is None else exchange,
            self.currency,
            self.symbol,
            self.symbol,
        ]


def _text(value: Field) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, Decimal):
        # IB sends plain decimal text; never exponent notation (1E+1 would not parse as int)
        return format(value.normalize(), "f") if value == value.to_integral() else str(value)
    return str(value)


def frame(fields: Iterable[Field]) -> bytes:
    """Encode fields as one length-prefixed, NUL-terminated message."""
    payload = "".join(_text(f) + "\0" for f in fields).encode()
    return struct.pack(">I", len(payload)) + payload


def frame_raw(payload: bytes) -> bytes:
    """Length-prefix an already-encoded payload (the handshake reply uses fields too)."""
    return struct.pack(">I", len(payload)) + payload


def split_frames(buffer: bytearray) -> list[list[str]]:
    """Pop every complete message from ``buffer`` and return their fields."""
    messages: list[list[str]] = []
    while len(buffer) >= 4:
        size = struct.unpack(">I", buffer[:4])[0]
        if len(buffer) < 4 + size:
            break
        payload = bytes(buffer[4 : 4 + size]).decode(errors="backslashreplace")
        del buffer[: 4 + size]
        fields = payload.split("\0")
        if fields and fields[-1] == "":
            fields.pop()
        messages.append(fields)
    return messages


def error(req_id: int, code: int, text: str) -> list[Field]:
    """``4 error``: version 2, reqId, code, text, advancedOrderRejectJson (>=166)."""
    return [4, 2, req_id, code, text, ""]


def order_status(
    order_id: int,
    status: str,
    filled: Decimal,
    remaining: Decimal,
    avg_px: Decimal,
    perm_id: int,
    last_px: Decimal,
    client_id: int,
) -> list[Field]:
    """``3 orderStatus`` (no version field for modern servers)."""
    return [3, order_id, status, filled, remaining, avg_px, perm_id, 0, last_px, client_id, "", ""]


@dataclass(frozen=True, slots=True)
class OpenOrderView:
    """What an openOrder message says about one order."""

    order_id: int
    client_id: int
    perm_id: int
    contract: FakeContract
    action: str
    qty: Decimal
    order_type: str
    lmt_price: Decimal | None
    aux_price: Decimal | None
    tif: str
    account: str
    order_ref: str
    status: str
    good_till_date: str = ""


def open_order(v: OpenOrderView) -> list[Field]:
    """``5 openOrder`` for a plain single-leg order (128 fields at version 176)."""
    fields: list[Field] = [5, v.order_id, *v.contract.wire11()]
    fields += [
        v.action,
        v.qty,
        v.order_type,
        v.lmt_price,
        v.aux_price,
        v.tif,
        "",
        v.account,
        "O",
        0,
        v.order_ref,
        v.client_id,
        v.perm_id,
        0,
        0,
        0,
        "",
        "",
        "",
        "",
        "",
    ]
    fields += [""]  # faProfile (server < 177 only)
    fields += [  # modelCode .. deltaNeutralAuxPrice (29)
        "",
        v.good_till_date,
        "",
        "",
        "",
        0,
        "",
        -1,
        0,
        "",
        "",
        "",
        "",
        "",
        "",
        0,
        0,
        0,
        "",
        3,
        0,
        0,
        "",
        0,
        0,
        "",
        0,
        "",
        "",
    ]
    fields += [0, 0, "", "", "", "", ""]  # continuousUpdate .. comboLegsDescrip
    fields += [0, 0, 0]  # comboLegs, orderComboLegs, smartComboRoutingParams counts
    fields += ["", "", ""]  # scaleInitLevelSize, scaleSubsLevelSize, scalePriceIncrement
    fields += [""]  # hedgeType
    fields += [0, "", "", 0, 0]  # optOutSmartRouting .. deltaNeutralContract present
    fields += [""]  # algoStrategy
    fields += [0, 0, v.status, *([""] * 9)]  # solicited, whatIf, status, margins
    fields += ["", "", "", "", "", 0, 0]  # commission .. randomizePrice
    fields += [0]  # numConditions
    fields += ["None", "", "", "", "", "", "", 0, "", "", "", "", 0, 0, "", 0]
    fields += ["", 0, 0]  # duration, postToAts, autoCancelParent
    fields += ["", "", 0, "", ""]  # minTradeQty .. midOffsetAtHalf
    return fields


def completed_order(v: OpenOrderView, completed_time: str) -> list[Field]:
    """``101 completedOrder`` for a plain single-leg order (no orderId or clientId in it)."""
    fields: list[Field] = [101, *v.contract.wire11()]
    fields += [
        v.action,
        v.qty,
        v.order_type,
        v.lmt_price,
        v.aux_price,
        v.tif,
        "",
        v.account,
        "O",
        0,
        v.order_ref,
        v.perm_id,
        0,
        0,
        0,
        "",
        "",
        "",
        "",
    ]
    fields += [""]  # faProfile (server < 177 only)
    fields += [  # modelCode .. deltaNeutralAuxPrice (23)
        "",
        v.good_till_date,
        "",
        "",
        "",
        0,
        "",
        -1,
        "",
        "",
        "",
        "",
        "",
        "",
        0,
        0,
        "",
        3,
        0,
        "",
        0,
        "",
        "",
    ]
    fields += [0, 0, "", "", ""]  # continuousUpdate .. comboLegsDescrip
    fields += [0, 0, 0]  # comboLegs, orderComboLegs, smartComboRoutingParams counts
    fields += ["", "", ""]  # scaleInitLevelSize, scaleSubsLevelSize, scalePriceIncrement
    fields += [""]  # hedgeType
    fields += ["", "", 0, 0]  # clearingAccount, clearingIntent, notHeld, dnc present
    fields += [""]  # algoStrategy
    fields += [0, v.status, 0, 0]  # solicited, status, randomizeSize, randomizePrice
    fields += [0]  # numConditions
    fields += ["", "", "", 0, 0, "", "", 0, 0, "", 0, 0, 0, completed_time, v.status]
    fields += ["", "", 0, "", ""]  # minTradeQty .. midOffsetAtHalf
    return fields


@dataclass(frozen=True, slots=True)
class ExecView:
    """What an execDetails message says about one execution."""

    req_id: int
    order_id: int
    contract: FakeContract
    exec_id: str
    time: str
    account: str
    exchange: str
    side: str
    shares: Decimal
    price: Decimal
    perm_id: int
    client_id: int
    cum_qty: Decimal
    avg_price: Decimal
    order_ref: str
    last_liquidity: int


def exec_details(v: ExecView) -> list[Field]:
    """``11 execDetails`` (31 fields at version 176)."""
    return [
        11,
        v.req_id,
        v.order_id,
        *v.contract.wire11(v.exchange),
        v.exec_id,
        v.time,
        v.account,
        v.exchange,
        v.side,
        v.shares,
        v.price,
        v.perm_id,
        v.client_id,
        0,
        v.cum_qty,
        v.avg_price,
        v.order_ref,
        "",
        "",
        "",
        v.last_liquidity,
    ]


def commission_report(exec_id: str, commission: Decimal, currency: str) -> list[Field]:
    """``59 commissionReport``; unknown PnL and yield as IB sends them (max double)."""
    unset = "1.7976931348623157E308"
    return [59, 1, exec_id, commission, currency, unset, unset, ""]


def position(account: str, contract: FakeContract, qty: Decimal, avg_cost: Decimal) -> list[Field]:
    """``61 position`` (version 3)."""
    return [61, 3, account, *contract.wire11(), qty, avg_cost]


def contract_data(req_id: int, c: FakeContract) -> list[Field]:
    """``10 contractData`` (no version field at >= 164; 40 fields)."""
    return [
        10,
        req_id,
        c.symbol,
        c.sec_type,
        "",
        0,
        "",
        c.exchange,
        c.currency,
        c.symbol,
        "NMS",
        c.symbol,
        c.con_id,
        c.min_tick,
        c.multiplier,
        "LMT,MKT,STP,STP LMT",
        f"SMART,{c.primary_exchange}",
        1,
        0,
        f"{c.symbol} INC",
        c.primary_exchange,
        "",
        "Technology",
        "Computers",
        "Computers",
        "US/Eastern",
        "",
        "",
        "",
        "",
        0,
        1,
        "",
        "",
        "26",
        "",
        "COMMON",
        "0.0001",
        "0.0001",
        "100",
    ]


def join(lines: Sequence[list[Field]]) -> bytes:
    """Frame several messages into one write."""
    return b"".join(frame(fields) for fields in lines)
