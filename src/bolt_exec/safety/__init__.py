"""Pre-trade safety: the policy, the checks, the SafetyManager and the kill switch.

Modules, by job:

* ``policy``: ``Policy.from_yaml`` — policy.yaml validated with pydantic (the boundary);
* ``config``: the compiled, frozen structs the hot path reads; scope precedence;
* ``codes``: ``ReasonCode`` (why a check denied) and ``TradingState``;
* ``checks``, ``exposure_checks``, ``flow_checks``: pure checks ``(CheckContext) -> Decision``;
* ``chain``: their order, compiled per policy; ``context``: one order's risk context;
* ``book``, ``state``, ``throttle``, ``venue_limits``: exposure book, counters, limiters,
  the venues' published rate limits;
* ``manager``: ``SafetyManager`` (satisfies ``gate.SafetyGate``); ``controls``: the
  trading state and audit; ``feeds``: bus events into the risk state;
* ``killswitch``, ``latch``, ``monitors``, ``watchdog``: the latched kill switch, its
  persisted latch, and the pure monitors that trip it; ``cli``: ``bolt-exec kill``.

Kept import-light on purpose: the OMS imports ``safety.gate``, so nothing here pulls in
pydantic until ``safety.policy`` is imported.
"""
