"""A synchronous, deterministic in-process message bus with topics.

Topics are dotted strings (``order.filled``, ``execution.AAPL``). A
subscription pattern may end in ``*`` to match a prefix (``order.*``) or be
``*`` alone. Handlers run in ascending priority, then subscription order;
they must not block or do I/O. A handler that raises is logged with the
message; in strict mode (the default in tests) the error propagates.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

__all__ = ["MessageBus", "Subscription"]

log = logging.getLogger(__name__)

Handler = Callable[[str, Any], None]


@dataclass(frozen=True, slots=True)
class Subscription:
    """A handle returned by :meth:`MessageBus.subscribe`; pass it to unsubscribe."""

    pattern: str
    handler: Handler
    priority: int
    seq: int


class MessageBus:
    """Publish/subscribe on topics, synchronously and in a fixed order."""

    def __init__(self, *, strict: bool = False) -> None:
        self._subs: list[Subscription] = []
        self._cache: dict[str, tuple[Handler, ...]] = {}
        self._seq = 0
        self.strict = strict
        self.errors: list[tuple[str, BaseException]] = []

    def subscribe(self, pattern: str, handler: Handler, priority: int = 100) -> Subscription:
        """Call ``handler(topic, message)`` for every topic matching ``pattern``.

        Lower priorities run first (safety 10, OMS 20, algorithms 30, reporters 50).
        """
        sub = Subscription(pattern, handler, priority, self._seq)
        self._seq += 1
        self._subs.append(sub)
        self._subs.sort(key=lambda s: (s.priority, s.seq))
        self._cache.clear()
        return sub

    def unsubscribe(self, subscription: Subscription) -> None:
        """Remove a subscription; unknown ones are ignored."""
        if subscription in self._subs:
            self._subs.remove(subscription)
            self._cache.clear()

    def has_subscribers(self, topic: str) -> bool:
        """Return True if anything listens on ``topic``."""
        return bool(self._handlers(topic))

    def publish(self, topic: str, message: Any) -> None:
        """Deliver ``message`` to every handler subscribed to ``topic``."""
        handlers = self._cache.get(topic)
        if handlers is None:
            handlers = self._handlers(topic)
        for handler in handlers:
            try:
                handler(topic, message)
            except Exception as exc:
                log.exception("bus handler failed on topic %s with %r", topic, message)
                self.errors.append((topic, exc))
                if self.strict:
                    raise

    def _handlers(self, topic: str) -> tuple[Handler, ...]:
        handlers = self._cache.get(topic)
        if handlers is None:
            handlers = tuple(s.handler for s in self._subs if _matches(s.pattern, topic))
            self._cache[topic] = handlers
        return handlers


def _matches(pattern: str, topic: str) -> bool:
    if pattern.endswith("*"):
        return topic.startswith(pattern[:-1])
    return pattern == topic
