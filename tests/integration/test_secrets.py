"""A planted canary secret appears in no log line, repr, exception message or journal row."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from bolt_exec.adapters.zerodha import KiteBroker, KiteConfig
from bolt_exec.clock import LiveClock
from bolt_exec.errors import AuthenticationError, ConfigError
from bolt_exec.model.enums import OrderStatus
from bolt_exec.model.events import encode_event
from bolt_exec.runtime.config import NodeConfig
from bolt_exec.runtime.node import LiveNode
from bolt_exec.store.base import MemoryOrderStore
from bolt_exec.testing.fakes.kite import FakeKite

from .runtime_helpers import wait_for

KEY = "CANARYkey7Qx"
TOKEN = "CANARYtok9Zp"
SECRET = "CANARYsec3Lm"
CANARIES = (KEY, TOKEN, SECRET)
# The fake venue's own HTTP server logs request lines, and KiteTicker puts the token in the
# WebSocket URL's query string (Kite's protocol): that line is the *venue's* access log.
VENUE_LOGGERS = ("aiohttp.access", "aiohttp.server", "aiohttp.web")


def leaks(text: str) -> list[str]:
    return [c for c in CANARIES if c in text]


def exception_texts(exc: BaseException) -> list[str]:
    out: list[str] = []
    seen: BaseException | None = exc
    while seen is not None:
        out += [str(seen), repr(seen), *(str(a) for a in seen.args)]
        out += [str(getattr(seen, name, "")) for name in ("text", "code", "venue")]
        seen = seen.__cause__ or seen.__context__
    return out


@pytest.mark.asyncio
async def test_canary_secret_never_leaks(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """Arrange a full session at DEBUG: secrets file, connect, orders, 429, expiry, errors."""
    # Arrange
    caplog.set_level(logging.DEBUG)
    (tmp_path / "bolt_kite_api_key").write_text(KEY)
    (tmp_path / "bolt_kite_access_token").write_text(TOKEN)
    (tmp_path / "bolt_kite_api_secret").write_text(SECRET)
    texts: list[str] = []
    store = MemoryOrderStore()
    with FakeKite(api_key=KEY, access_token=TOKEN, api_secret=SECRET) as fake:
        settings = {
            "secrets_dir": str(tmp_path),
            "root": fake.url,
            "ws_root": fake.ws_url,
            "poll_interval_s": 0.2,
            "timeout_s": 2.0,
        }
        broker = KiteBroker.from_settings(settings)
        config = KiteConfig.load(tmp_path, root=fake.url)
        assert config.api_key.get_secret_value() == KEY  # the canary really is in play
        node = LiveNode(
            {"zerodha": broker}, store=store, config=NodeConfig(brokers={}, heartbeat_s=0.05)
        )
        # Act: trade, get rate limited, reject, then lose the token
        oms = await node.start()
        fake.script.rate_limit_next = 1
        filled = oms.submit("INFY", "BUY", 2, "MARKET")
        fake.script.reject_next.append("RMS:Margin Exceeds")
        rejected = oms.submit("INFY", "BUY", 2, "LIMIT", limit_px="1400.05")
        await wait_for(lambda: oms.order(filled.order.client_order_id).status is OrderStatus.FILLED)
        await wait_for(
            lambda: oms.order(rejected.order.client_order_id).status is OrderStatus.REJECTED
        )
        fake.expire_token()
        expired = oms.submit("INFY", "BUY", 1, "LIMIT", limit_px="1400.05")
        await wait_for(
            lambda: oms.order(expired.order.client_order_id).status is OrderStatus.REJECTED
        )
        with pytest.raises(AuthenticationError) as auth_error:
            await broker.mass_status()
        texts += exception_texts(auth_error.value)
        texts += [
            repr(broker),
            str(broker),
            repr(config),
            str(config),
            repr(node),
            repr(config.model_dump()),
            str(broker.last_error),
        ]
        await node.stop()
    with pytest.raises(ConfigError) as config_error:
        KiteConfig.load(tmp_path, product="BAD")
    texts += exception_texts(config_error.value)
    # Assert
    journal = [encode_event(e).decode() for e in store.events()]
    assert journal, "the session wrote a journal"
    logs = [
        f"{r.name} {r.getMessage()} {r.__dict__}"
        for r in caplog.records
        if not r.name.startswith(VENUE_LOGGERS)
    ]
    assert any("rate limit" in line for line in logs), "the session really logged"
    for where, lines in (("journal", journal), ("log", logs), ("repr/exception", texts)):
        leaked = [line for line in lines if leaks(line)]
        assert leaked == [], f"secret in {where}: {leaked[:3]}"


@pytest.mark.asyncio
async def test_canary_secret_not_logged_when_the_stream_cannot_connect(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """KiteTicker carries the token in its URL: a failed connection must not log it."""
    import socket

    caplog.set_level(logging.DEBUG)
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        dead_port = probe.getsockname()[1]
    with FakeKite(api_key=KEY, access_token=TOKEN) as fake:
        broker = KiteBroker(
            KiteConfig(
                api_key=KEY,
                access_token=TOKEN,
                root=fake.url,
                ws_root=f"ws://127.0.0.1:{dead_port}",
            )
        )
        broker.bind(lambda event: None, LiveClock())
        await broker.connect()  # REST works; the stream does not
        assert not broker.is_connected
        await broker.disconnect()
    logs = [
        f"{r.name} {r.getMessage()} {r.__dict__}"
        for r in caplog.records
        if not r.name.startswith(VENUE_LOGGERS)
    ]
    assert [line for line in logs if leaks(line)] == []
