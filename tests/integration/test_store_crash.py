"""Write-ahead under SIGKILL: every batch a writer was told is durable survives the kill."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from bolt_exec.model.enums import OrderStatus
from bolt_exec.store import SqlOrderStore
from tests.child_env import child_env

WRITER = textwrap.dedent(
    """
    import sys
    from decimal import Decimal
    from bolt_exec.model.enums import OrderType, Side
    from bolt_exec.model.events import OrderAccepted, OrderInitialized, OrderSubmitted
    from bolt_exec.store import SqlOrderStore

    store = SqlOrderStore(sys.argv[1])
    i = 0
    while True:
        batch = []
        for _ in range(50):
            c = f"O{i}"
            batch += [
                OrderInitialized(client_order_id=c, ts_event=i, ts_init=i, event_id=c + "-1",
                                 symbol="AAPL", side=Side.BUY, order_type=OrderType.LIMIT,
                                 qty=Decimal(1), limit_px=Decimal(1), broker="paper"),
                OrderSubmitted(client_order_id=c, ts_event=i, ts_init=i, event_id=c + "-2"),
                OrderAccepted(client_order_id=c, ts_event=i, ts_init=i, event_id=c + "-3"),
            ]
            i += 1
        store.append(batch)
        # Published only after append returned: this line is "telling someone".
        print(i, flush=True)
    """
)


@pytest.mark.slow
def test_sigkill_mid_session_loses_no_published_event(tmp_path: Path) -> None:
    # Arrange
    db = tmp_path / "crash.db"
    env = child_env()
    child = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(db)], stdout=subprocess.PIPE, text=True, env=env
    )
    assert child.stdout is not None
    published = 0
    # Act: let it write a while, then kill it mid-stream without warning.
    for _ in range(40):
        line = child.stdout.readline()
        if not line:
            break
        published = int(line)
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=30)
    child.stdout.close()

    # Assert
    assert published >= 50, "the writer never got going"
    with SqlOrderStore(db) as store:
        records = store.order_records()
        coids = {r.client_order_id for r in records}
        assert {f"O{i}" for i in range(published)} <= coids
        # Whatever was committed is whole: every order has all three events and its projection.
        assert len(list(store.entries())) == 3 * len(records)
        assert all(r.status is OrderStatus.ACCEPTED for r in records)
        assert store.last_seq == 3 * len(records)
