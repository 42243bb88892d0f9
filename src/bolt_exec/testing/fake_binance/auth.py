"""Binance request authentication as the venue checks it: HMAC-SHA256, API key, recvWindow."""

from __future__ import annotations

import hashlib
import hmac
from urllib.parse import parse_qsl, urlencode

from bolt_exec.testing.fake_binance.venue import VenueError

__all__ = [
    "check_signed",
    "check_timestamp",
    "sign",
    "split_signature",
    "ws_signature_payload",
]


def sign(secret: str, payload: str) -> str:
    """Hex HMAC-SHA256 of ``payload`` with ``secret``."""
    return hmac.new(secret.encode(), payload.encode(), hashlib.sha256).hexdigest()


def split_signature(raw: str) -> tuple[str, str | None]:
    """Return ``(payload without the signature pair, signature)`` of a raw parameter string."""
    if not raw:
        return "", None
    kept: list[str] = []
    signature: str | None = None
    for pair in raw.split("&"):
        if pair.startswith("signature="):
            signature = pair[len("signature=") :]
        else:
            kept.append(pair)
    return "&".join(kept), signature


def check_timestamp(params: dict[str, str], server_ms: int) -> None:
    """Refuse a request outside its recvWindow, as Binance does (-1021)."""
    try:
        ts = int(params["timestamp"])
    except (KeyError, ValueError):
        raise VenueError(400, -1102, "Mandatory parameter 'timestamp' was not sent.") from None
    window = int(params.get("recvWindow", "5000"))
    if window > 60000:
        raise VenueError(400, -1131, "recvWindow must be less than 60000")
    if ts >= server_ms + 1000:
        raise VenueError(
            400, -1021, "Timestamp for this request was 1000ms ahead of the server's time."
        )
    if server_ms - ts > window:
        raise VenueError(400, -1021, "Timestamp for this request is outside of the recvWindow.")


def check_signed(
    query: str, body: str, api_key_header: str | None, api_key: str, secret: str, server_ms: int
) -> dict[str, str]:
    """Verify key, signature over totalParams (query then body) and timestamp; return params.

    Query parameters win over body parameters of the same name, as on Binance.
    """
    if api_key_header != api_key:
        raise VenueError(401, -2015, "Invalid API-key, IP, or permissions for action.")
    q_payload, q_sig = split_signature(query)
    b_payload, b_sig = split_signature(body)
    signature = q_sig or b_sig
    if signature is None:
        raise VenueError(400, -1102, "Mandatory parameter 'signature' was not sent.")
    total = q_payload + b_payload  # Binance: "query string concatenated with the body"
    if not hmac.compare_digest(sign(secret, total), signature.lower()):
        raise VenueError(400, -1022, "Signature for this request is not valid.")
    params = dict(parse_qsl(b_payload, keep_blank_values=True))
    params.update(parse_qsl(q_payload, keep_blank_values=True))
    check_timestamp(params, server_ms)
    return params


def ws_signature_payload(params: dict[str, object]) -> str:
    """What the WebSocket API signs: sorted params without ``signature``, URL-encoded."""
    return urlencode(sorted((k, str(v)) for k, v in params.items() if k != "signature"))
