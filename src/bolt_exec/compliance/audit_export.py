"""Export the audit trail to ``ledger.yaml`` or JSON Lines, and read either back.

Both exports carry the records unchanged (hashes included), so an exported
file verifies on its own with :func:`load_audit_file` + ``verify_chain``.
``ledger.yaml`` adds a header with the count and head hash, and each record
gets a readable ``time`` (UTC ISO 8601) that is *not* part of the hash.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

import yaml

from bolt_exec.compliance.audit_file import read_jsonl_records
from bolt_exec.compliance.audit_record import GENESIS_HASH, AuditRecord
from bolt_exec.errors import ValidationError

__all__ = [
    "LEDGER_FORMAT",
    "export_jsonl",
    "export_ledger_yaml",
    "load_audit_file",
    "load_ledger_yaml",
]

LEDGER_FORMAT: Final = "bolt_exec.audit/1"
_NS: Final = 1_000_000_000


def _iso(ts_ns: int) -> str:
    dt = datetime.fromtimestamp(ts_ns // _NS, tz=UTC)
    return dt.strftime("%Y-%m-%dT%H:%M:%S") + f".{ts_ns % _NS:09d}Z"


def export_jsonl(records: Iterable[AuditRecord]) -> bytes:
    """Return the records as JSON Lines (canonical JSON, one per line)."""
    return b"".join(r.to_json() + b"\n" for r in records)


def export_ledger_yaml(records: Iterable[AuditRecord]) -> bytes:
    """Return the records as a ``ledger.yaml`` document (deterministic bytes)."""
    recs = list(records)
    body: list[dict[str, Any]] = []
    for r in recs:
        d = r.as_dict()
        d["time"] = _iso(r.ts_ns)
        body.append(d)
    doc = {
        "format": LEDGER_FORMAT,
        "count": len(recs),
        "head_hash": recs[-1].hash if recs else GENESIS_HASH,
        "records": body,
    }
    # allow_unicode=False: PyYAML rewrites some characters (NEL, U+0085) on a
    # Unicode round trip, which would break the hashes; escapes are exact.
    text = yaml.safe_dump(
        doc, sort_keys=True, allow_unicode=False, default_flow_style=False, width=1000
    )
    return text.encode("utf-8")


def load_ledger_yaml(data: bytes) -> tuple[list[AuditRecord | Exception], int | None, str | None]:
    """Parse a ``ledger.yaml``; return (records, declared count, declared head hash).

    Raises:
        ValidationError: when the document is not a ledger at all.
    """
    try:
        doc = yaml.safe_load(data)
    except yaml.YAMLError as exc:
        raise ValidationError("ledger", "<yaml>", f"is not valid YAML: {exc}") from exc
    if not isinstance(doc, dict) or doc.get("format") != LEDGER_FORMAT:
        raise ValidationError(
            "format",
            doc.get("format") if isinstance(doc, dict) else None,
            f"is not a {LEDGER_FORMAT} ledger",
        )
    out: list[AuditRecord | Exception] = []
    for i, raw in enumerate(doc.get("records") or []):
        try:
            fields = {k: v for k, v in raw.items() if k != "time"}
            out.append(AuditRecord.from_mapping(fields))
        except (ValueError, TypeError, AttributeError) as exc:
            out.append(ValueError(f"records[{i}]: {exc}"))
    count = doc.get("count")
    head = doc.get("head_hash")
    return out, count if isinstance(count, int) else None, head if isinstance(head, str) else None


def load_audit_file(
    path: Path | str,
) -> tuple[list[AuditRecord | Exception], int | None, str | None]:
    """Read a ``.jsonl`` trail or a ``.yaml``/``.yml`` ledger export.

    Returns:
        (records, declared count, declared head) -- JSON Lines declare neither.
    """
    p = Path(path)
    data = p.read_bytes()
    if p.suffix in (".yaml", ".yml"):
        return load_ledger_yaml(data)
    return read_jsonl_records(data), None, None
