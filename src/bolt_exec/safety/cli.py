"""``bolt-exec kill``: trip (or reset) the kill switch from another process.

The handler writes the latch the running session polls on its clock timer:
the latch file (``kill_switch.latch_path`` in ``policy.yaml``, or ``--latch``),
or, with ``--store URL``, the kill-switch row of the order store the session
journals to (:func:`bolt_exec.store.latch.open_latch`; a SQLite path or any
SQLAlchemy URL, shown with its password masked). A session anywhere that polls
that latch halts within one poll interval. The lead's ``cli.py`` wires
:func:`add_kill_arguments` and :func:`kill_command`.

Examples::

    bolt-exec kill --reason "runaway algo" --actor alice
    bolt-exec kill --status
    bolt-exec kill --reset --operator alice --reason "fixed sizing bug, reviewed by bob"
    bolt-exec kill --store sqlite:///bolt.db --reason "runaway algo"
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TextIO

from bolt_exec.clock import LiveClock, ns_to_datetime
from bolt_exec.errors import ConfigError, StoreError
from bolt_exec.safety.latch import JsonFileLatchStore, LatchState, LatchStore

__all__ = ["add_kill_arguments", "kill_command"]

_DEFAULT_LATCH = ".bolt_exec/kill_switch.json"


def add_kill_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the ``kill`` subcommand's options to ``parser``."""
    parser.add_argument("--reason", default="", help="why (required to trip or reset)")
    parser.add_argument("--actor", default="operator", help="who trips it")
    parser.add_argument("--operator", default="", help="who resets it (required with --reset)")
    parser.add_argument("--reset", action="store_true", help="release the latch")
    parser.add_argument("--status", action="store_true", help="print the latch and exit")
    parser.add_argument("--latch", default=None, help=f"latch file (default {_DEFAULT_LATCH})")
    parser.add_argument("--policy", default=None, help="read kill_switch.latch_path from it")
    parser.add_argument(
        "--store",
        default=None,
        help="use the latch kept in this order store (SQLite path or SQLAlchemy URL) "
        "instead of a latch file",
    )


def _latch_path(args: argparse.Namespace) -> Path:
    if getattr(args, "latch", None):
        return Path(args.latch)
    if getattr(args, "policy", None):
        from bolt_exec.safety.policy import Policy

        return Path(Policy.from_yaml(args.policy).kill_switch.latch_path)
    return Path(_DEFAULT_LATCH)


def _open(args: argparse.Namespace) -> tuple[LatchStore, str, object]:
    """Return the latch, how to name it, and what to close afterwards (or None)."""
    url = getattr(args, "store", None)
    if not url:
        path = _latch_path(args)
        return JsonFileLatchStore(path), str(path), None
    if getattr(args, "latch", None):
        raise ConfigError("give --store URL or --latch FILE, not both (they are two latches)")
    from bolt_exec.store.latch import open_latch
    from bolt_exec.store.url import mask_url, parse_url

    latch = open_latch(url)
    return latch, f"store {mask_url(parse_url(url))}", latch.store


def _describe(state: LatchState) -> str:
    if state.tripped:
        when = ns_to_datetime(state.ts_ns).isoformat() if state.ts_ns else "?"
        return f"TRIPPED by {state.actor!r} at {when}: {state.reason}"
    if state.reset_by:
        when = ns_to_datetime(state.reset_ts_ns).isoformat()
        return f"released by {state.reset_by!r} at {when}: {state.reset_reason}"
    return "not tripped"


def kill_command(args: argparse.Namespace, out: TextIO | None = None) -> int:
    """Trip, reset or show the kill-switch latch; return the process exit code.

    Exit codes: 0 done, 1 the latch could not be written, 2 bad arguments or no usable
    latch (message on stderr).
    """
    out = out or sys.stdout
    try:
        store, path, closer = _open(args)
    except (ConfigError, StoreError) as exc:
        print(f"bolt-exec kill: {exc}", file=sys.stderr)
        return 2
    try:
        return _kill(args, store, path, out)
    except StoreError as exc:
        print(f"bolt-exec kill: the latch could not be written: {exc}", file=sys.stderr)
        return 1
    finally:
        close = getattr(closer, "close", None)
        if close is not None:
            close()


def _kill(args: argparse.Namespace, store: LatchStore, path: str, out: TextIO) -> int:
    current = store.load()
    now = LiveClock().now_ns()
    reason = (getattr(args, "reason", "") or "").strip()
    if getattr(args, "status", False):
        print(f"kill switch ({path}): {_describe(current)}", file=out)
        return 0
    if getattr(args, "reset", False):
        operator = (getattr(args, "operator", "") or "").strip()
        if not operator or not reason:
            print(
                "bolt-exec kill --reset needs --operator NAME and --reason TEXT "
                "(the reset is audited)",
                file=sys.stderr,
            )
            return 2
        store.save(
            LatchState(False, current.reason, current.actor, current.ts_ns, operator, reason, now)
        )
        print(
            f"kill switch ({path}) released by {operator!r}; sessions stay HALTED until an "
            "operator sets them ACTIVE",
            file=out,
        )
        return 0
    if not reason:
        print("bolt-exec kill needs --reason TEXT (it is audited)", file=sys.stderr)
        return 2
    if current.tripped:
        print(f"kill switch ({path}) already {_describe(current)}", file=out)
        return 0
    actor = (getattr(args, "actor", "") or "operator").strip()
    store.save(LatchState(True, reason, actor, now))
    print(
        f"kill switch ({path}) TRIPPED by {actor!r}: {reason}; running sessions halt, "
        "cancel and (if configured) flatten on their next poll",
        file=out,
    )
    return 0
