"""The OTR message log: every algorithmic message, and why it was counted or not.

The daily report gives totals; this log is the evidence behind them, one row
per message, for reconciling with the exchange's own OTR statement or
answering a query about a day. It comes from the same fold as the report
(:class:`~bolt_exec.compliance.sebi_otr.OtrEngine`), so its counted rows add
up to the report's ``counted`` for each day and group.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from datetime import date

from bolt_exec.compliance.dated_config import DatedVersions
from bolt_exec.compliance.sebi_otr import OtrEngine, OtrMessage
from bolt_exec.compliance.sebi_otr_market import LtpSource, OtrInstrument
from bolt_exec.compliance.sebi_otr_rules import OtrRules
from bolt_exec.model.events import OrderEvent

__all__ = ["otr_message_log", "otr_message_log_csv"]

_COLUMNS = (
    "ts_ns",
    "day",
    "exchange",
    "segment",
    "client_order_id",
    "symbol",
    "kind",
    "price",
    "ltp",
    "reason",
)


def otr_message_log(
    events: Iterable[OrderEvent],
    *,
    rules: DatedVersions[OtrRules],
    date_from: date,
    date_to: date,
    instruments: Mapping[str, OtrInstrument] | None = None,
    ltp: LtpSource | None = None,
) -> list[OtrMessage]:
    """Return the judged messages of trading days ``date_from``..``date_to``, in journal order."""
    engine = OtrEngine(rules, instruments, ltp)
    out: list[OtrMessage] = []
    for ev in events:
        engine.apply(ev)
        msg = engine.last_message
        if msg is not None and date_from <= msg.day <= date_to:
            out.append(msg)
    return out


def otr_message_log_csv(messages: Iterable[OtrMessage]) -> bytes:
    """Return the log as CSV (empty cells for a missing price or LTP)."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(_COLUMNS)
    for m in messages:
        writer.writerow(
            [
                m.ts_ns,
                m.day.isoformat(),
                m.exchange,
                m.segment,
                m.client_order_id,
                m.symbol,
                m.kind.value,
                "" if m.price is None else m.price,
                "" if m.ltp is None else m.ltp,
                m.reason,
            ]
        )
    return buf.getvalue().encode("utf-8")
