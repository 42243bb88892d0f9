"""Files the compliance CLI reads: the journal export and reference data.

* journal: JSON Lines, one :func:`bolt_exec.model.events.encode_event` line per event;
* instruments (OTR): YAML/JSON ``{symbol: {exchange, segment, equity_option}}``;
* LTPs (OTR): JSON Lines ``{"symbol", "ts_ns", "px"}`` or CSV ``symbol,ts_ns,px``;
* swaps (Part 43): YAML/JSON ``{symbol: {upi, asset_class, notional_currency,
  effective_date, expiration_date, mandatory_clearing, clearing_exception,
  cleared, price_notation, notional_per_unit}}``.

Every error names the file, the line or key, and what is expected.
"""

from __future__ import annotations

import json
import os
import tempfile
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import msgspec
import yaml

from bolt_exec.compliance.cftc_part43 import SwapTerms
from bolt_exec.compliance.sebi_otr_market import OtrInstrument
from bolt_exec.errors import ValidationError
from bolt_exec.model.events import OrderEvent, decode_event

__all__ = [
    "read_instruments",
    "read_journal_jsonl",
    "read_ltp_ticks",
    "read_swaps",
    "write_atomic",
]


def _read(path: Path | str, what: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise ValidationError(
            what, str(path), f"cannot be read ({exc.strerror})", "check the path"
        ) from exc


def read_journal_jsonl(path: Path | str) -> list[OrderEvent]:
    """Read a journal export (one encoded event per line; blank lines skipped)."""
    events: list[OrderEvent] = []
    for n, line in enumerate(_read(path, "--journal").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            events.append(decode_event(line))
        except msgspec.DecodeError as exc:
            raise ValidationError(
                f"{path}:{n}",
                line[:80].decode(errors="replace"),
                f"is not an encoded order event ({exc})",
                "export the journal with encode_event, one per line",
            ) from exc
    return events


def _mapping_file(path: Path | str, what: str) -> dict[str, Any]:
    try:
        doc = yaml.safe_load(_read(path, what))
    except yaml.YAMLError as exc:
        raise ValidationError(what, str(path), f"is not valid YAML/JSON ({exc})") from exc
    if not isinstance(doc, dict):
        raise ValidationError(what, str(path), "must map each symbol to its fields")
    return doc


def read_instruments(path: Path | str) -> dict[str, OtrInstrument]:
    """Read the OTR instrument map."""
    out: dict[str, OtrInstrument] = {}
    for symbol, raw in _mapping_file(path, "--instruments").items():
        if not isinstance(raw, dict) or not raw.get("exchange") or not raw.get("segment"):
            raise ValidationError(
                f"{path}:{symbol}",
                raw,
                "needs exchange and segment",
                "e.g. {exchange: NSE, segment: EQ_CASH}",
            )
        try:
            out[str(symbol)] = OtrInstrument(
                str(raw["exchange"]), str(raw["segment"]), bool(raw.get("equity_option", False))
            )
        except ValidationError as exc:
            raise ValidationError(f"{path}:{symbol}", raw, str(exc)) from exc
    return out


def _decimal(value: Any, where: str) -> Decimal:
    try:
        d = Decimal(str(value))
    except InvalidOperation:
        raise ValidationError(where, value, "is not a number") from None
    if not d.is_finite():
        raise ValidationError(where, value, "must be finite")
    return d


def read_ltp_ticks(path: Path | str) -> list[tuple[str, int, Decimal]]:
    """Read market trades for the LTP bands (JSON Lines or CSV with a header)."""
    data = _read(path, "--ltp").decode("utf-8")
    rows: list[tuple[str, int, Decimal]] = []
    lines = [ln for ln in data.splitlines() if ln.strip()]
    is_csv = bool(lines) and not lines[0].lstrip().startswith("{")
    for n, line in enumerate(lines[1:] if is_csv else lines, start=2 if is_csv else 1):
        where = f"{path}:{n}"
        try:
            if is_csv:
                symbol, ts, px = (c.strip() for c in line.split(","))
            else:
                obj = json.loads(line)
                symbol, ts, px = obj["symbol"], obj["ts_ns"], obj["px"]
            rows.append((str(symbol), int(ts), _decimal(px, where)))
        except (ValueError, KeyError, TypeError) as exc:
            raise ValidationError(where, line[:80], f"is not symbol,ts_ns,px ({exc})") from exc
    return rows


def read_swaps(path: Path | str) -> dict[str, SwapTerms]:
    """Read the Part 43 swap reference data."""
    out: dict[str, SwapTerms] = {}
    for symbol, raw in _mapping_file(path, "--swaps").items():
        where = f"{path}:{symbol}"
        if not isinstance(raw, dict):
            raise ValidationError(where, raw, "must be a mapping of swap terms")
        try:
            out[str(symbol)] = SwapTerms(
                upi=str(raw["upi"]),
                asset_class=str(raw["asset_class"]),
                notional_currency=str(raw["notional_currency"]),
                effective_date=date.fromisoformat(str(raw["effective_date"])),
                expiration_date=date.fromisoformat(str(raw["expiration_date"])),
                mandatory_clearing=bool(raw.get("mandatory_clearing", False)),
                clearing_exception=bool(raw.get("clearing_exception", False)),
                cleared=bool(raw.get("cleared", False)),
                price_notation=str(raw.get("price_notation", "PRICE")),
                notional_per_unit=_decimal(raw.get("notional_per_unit", 1), where),
            )
        except KeyError as exc:
            raise ValidationError(
                where, raw, f"misses {exc}", "see bolt-exec report part43 -h"
            ) from exc
        except ValueError as exc:
            raise ValidationError(where, raw, str(exc)) from exc
    return out


def write_atomic(path: Path | str, data: bytes) -> None:
    """Write ``data`` to ``path`` via a temporary file and rename (no half-written reports)."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
