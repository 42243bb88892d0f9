"""KiteSession: the kiteconnect client, its worker thread, its rate budget and error mapping.

kiteconnect is blocking (``requests``), so every call runs on one worker thread:
FIFO, which keeps a cancel behind its own place. Before each call the session
awaits the injected rate budget; a 429 (Kite: "not processed") is retried with
a short backoff; every other failure is raised as the most specific
:class:`~bolt_exec.errors.BrokerError`, ``from`` the library's exception.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Final

from bolt_exec.adapters.zerodha.config import KiteConfig
from bolt_exec.adapters.zerodha.failures import map_exception
from bolt_exec.errors import AuthenticationError, BrokerError, RateLimited

__all__ = ["KiteSession", "Throttle"]

log = logging.getLogger(__name__)

Throttle = Callable[[str], Awaitable[None]]
"""An awaitable rate budget: ``await throttle("orders")`` before each order request."""

_RETRY_429: Final = (0.25, 0.5, 1.0)  # seconds between retries of a rate-limited request


class KiteSession:
    """One authenticated kiteconnect client.

    Args:
        config: roots, credentials and timeout.
        name: the broker's name (thread name and logs).
        throttle: awaited with ``"orders"`` or ``"requests"`` before each call.
    """

    def __init__(self, config: KiteConfig, name: str, throttle: Throttle | None = None) -> None:
        self._config = config
        self._name = name
        self.throttle = throttle
        self._client: Any = None
        self._pool: ThreadPoolExecutor | None = None
        self.is_authenticated = False
        self.last_error: BrokerError | None = None

    def open(self) -> None:
        """Create the client and its worker thread (idempotent; no network yet)."""
        from kiteconnect import KiteConnect

        if self._pool is None:
            self._pool = ThreadPoolExecutor(1, thread_name_prefix=f"kite-{self._name}")
        if self._client is None:
            cfg = self._config
            # debug stays False: kiteconnect's debug log prints the Authorization header.
            self._client = KiteConnect(
                cfg.api_key.get_secret_value(),
                access_token=cfg.access_token.get_secret_value(),
                root=cfg.root,
                timeout=cfg.timeout_s,
                debug=False,
            )

    def close(self) -> None:
        """Stop the worker thread after the calls already queued."""
        if self._pool is not None:
            self._pool.shutdown(wait=False)
            self._pool = None
        self.is_authenticated = False

    async def call(self, method: str, *args: Any, scope: str = "requests", **kwargs: Any) -> Any:
        """Call ``KiteConnect.<method>(*args, **kwargs)`` on the worker thread.

        Raises:
            AuthenticationError: the token expired (``is_authenticated`` turns False).
            RateLimited: still rate limited after the retries.
            BrokerError: any other failure, mapped from the library's exception.
        """
        if self._pool is None or self._client is None:
            raise RuntimeError(f"broker {self._name!r} is not connected; await connect() first")
        fn = getattr(self._client, method)
        loop = asyncio.get_running_loop()
        for attempt, pause in enumerate((*_RETRY_429, None)):
            if self.throttle is not None:
                await self.throttle(scope)
            try:
                result = await loop.run_in_executor(self._pool, lambda: fn(*args, **kwargs))
            except Exception as exc:  # every library exception is mapped here
                cause: BaseException = exc
                err = map_exception(exc, method)
            else:
                self.is_authenticated = True
                return result
            if isinstance(err, RateLimited) and pause is not None:
                log.warning("Kite rate limit on %s; retry %d in %.2f s", method, attempt + 1, pause)
                await asyncio.sleep(pause)  # 429 means "not processed": a retry is safe
                continue
            if isinstance(err, AuthenticationError):
                self.is_authenticated = False
            self.last_error = err
            raise err from cause
        raise AssertionError("unreachable: the last attempt either returns or raises")
