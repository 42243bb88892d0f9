"""FakeKite speaks Kite's protocol to the real kiteconnect library, independently of our codec."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from kiteconnect import KiteConnect
from kiteconnect import exceptions as kx

import bolt_exec.testing.fakes.kite as fake_pkg
from bolt_exec.testing.fakes.kite import FakeKite


def client(fake: FakeKite) -> KiteConnect:
    return KiteConnect(fake.api_key, access_token=fake.access_token, root=fake.url)


def place(kite: KiteConnect, **overrides: object) -> str:
    args: dict[str, object] = {
        "variety": "regular",
        "exchange": "NSE",
        "tradingsymbol": "INFY",
        "transaction_type": "BUY",
        "quantity": 1,
        "product": "CNC",
        "order_type": "LIMIT",
        "price": 1400.05,
        "tag": "t1",
    }
    args.update(overrides)
    return str(kite.place_order(**args))


def test_fake_never_imports_the_adapter() -> None:
    """A codec bug must not cancel itself out on both sides of the wire."""
    root = Path(fake_pkg.__file__).parent
    for path in root.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module:
                assert not node.module.startswith("bolt_exec.adapters"), path


def test_fake_session_checksum_and_profile(fake: FakeKite) -> None:
    kite = KiteConnect(fake.api_key, root=fake.url)
    data = kite.generate_session("req-1", api_secret=fake.api_secret)
    assert data["access_token"] == fake.access_token
    assert kite.profile()["user_id"] == "AB1234"
    with pytest.raises(kx.TokenException):
        KiteConnect(fake.api_key, root=fake.url).generate_session("req-1", api_secret="wrong")


def test_fake_walks_kite_interim_statuses(fake: FakeKite) -> None:
    kite = client(fake)
    order_id = place(kite)
    kite.modify_order("regular", order_id, price=1400.1)
    kite.cancel_order("regular", order_id)
    statuses = [h["status"] for h in kite.order_history(order_id)]
    assert statuses[:4] == ["PUT ORDER REQ RECEIVED", "VALIDATION PENDING", "OPEN PENDING", "OPEN"]
    assert statuses[-2:] == ["CANCEL PENDING", "CANCELLED"]
    assert "MODIFY PENDING" in statuses


@pytest.mark.parametrize(
    ("overrides", "error", "text"),
    [
        ({"price": 1400.03}, kx.InputException, "Tick size"),
        ({"tag": "x" * 21}, kx.InputException, "tag"),
        (
            {"exchange": "NFO", "tradingsymbol": "NIFTY26DECFUT", "quantity": 10, "price": 24000},
            kx.InputException,
            "lot size",
        ),
    ],
)
def test_fake_validates_like_kite(
    fake: FakeKite, overrides: dict[str, object], error: type[Exception], text: str
) -> None:
    with pytest.raises(error, match=text) as info:
        place(client(fake), **overrides)
    assert getattr(info.value, "code", None) == 400


def test_fake_scripted_errors(fake: FakeKite) -> None:
    kite = client(fake)
    order_id = place(kite)
    kite.cancel_order("regular", order_id)
    with pytest.raises(kx.OrderException, match="CANCELLED"):
        kite.cancel_order("regular", order_id)
    fake.script.rate_limit_next = 1
    with pytest.raises(kx.NetworkException) as limited:
        place(kite)
    assert limited.value.code == 429
    fake.expire_token()
    with pytest.raises(kx.TokenException) as expired:
        kite.orders()
    assert expired.value.code == 403


def test_fake_market_order_fills_in_parts_with_trades_and_positions(fake: FakeKite) -> None:
    kite = client(fake)
    fake.script.partial_parts = 3
    order_id = place(kite, order_type="MARKET", price=None, quantity=5)
    trades = kite.order_trades(order_id)
    assert [t["quantity"] for t in trades] == [2, 2, 1]
    assert kite.order_history(order_id)[-1]["status"] == "COMPLETE"
    assert kite.positions()["net"][0]["quantity"] == 5


def test_fake_caps_modifications_at_25(fake: FakeKite) -> None:
    kite = client(fake)
    order_id = place(kite)
    for i in range(25):
        kite.modify_order("regular", order_id, price=round(1400.1 + 0.05 * i, 2))
    with pytest.raises(kx.InputException, match="modifications"):
        kite.modify_order("regular", order_id, price=1500)
