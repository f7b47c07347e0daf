"""Resilience for upstream calls: retry policy, circuit breakers, and the driver using both.

    retry.py    RetryPolicy, decide() → RetryAfter | GiveUp, parse_retry_after()   pure
    window.py   SlidingWindow: outcomes over time, in buckets                         pure
    breaker.py  BreakerConfig, BreakerState and its transition functions              pure
    circuit.py  CircuitBreaker (holds one state, fires listeners), BreakerRegistry
    driver.py   call_with_resilience(): the async loop that carries decisions out

Settings and their defaults: docs/resilience.md.
"""

from airouter.resilience.breaker import BreakerConfig, BreakerState, BreakerStatus, Transition
from airouter.resilience.circuit import (
    BreakerListener,
    BreakerRegistry,
    BreakerSnapshot,
    CircuitBreaker,
    Clock,
    Permit,
)
from airouter.resilience.driver import AttemptHook, Rand, Sleep, call_with_resilience
from airouter.resilience.retry import (
    Decision,
    GiveUp,
    GiveUpReason,
    RetryAfter,
    RetryPolicy,
    decide,
    parse_retry_after,
)

__all__ = [
    "AttemptHook",
    "BreakerConfig",
    "BreakerListener",
    "BreakerRegistry",
    "BreakerSnapshot",
    "BreakerState",
    "BreakerStatus",
    "CircuitBreaker",
    "Clock",
    "Decision",
    "GiveUp",
    "GiveUpReason",
    "Permit",
    "Rand",
    "RetryAfter",
    "RetryPolicy",
    "Sleep",
    "Transition",
    "call_with_resilience",
    "decide",
    "parse_retry_after",
]
