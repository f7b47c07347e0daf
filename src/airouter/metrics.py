"""The one metrics sink: Prometheus counters and histograms, exposed at `GET /metrics`.

Each app owns its registry (so several apps in one test process never collide, as
long as their values are not shared between processes: below).
Labels are bounded: route templates (not raw paths), deployment names from the
config, fixed outcome codes.

Several worker processes behind one port (`airouter serve --workers N`) report as
one: with `PROMETHEUS_MULTIPROC_DIR` set (the CLI sets it), prometheus_client keeps
every value in a per-process file there and `GET /metrics`, whichever worker
answers it, sums the files of all of them (prometheus_client's multiprocess mode).
Without it, a scrape would read one worker's counters, a different one each time.
A worker's counters outlive it; its gauges count only while it runs.
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from prometheus_client.multiprocess import MultiProcessCollector, mark_process_dead

from airouter.resilience.breaker import BreakerStatus

_LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60)
_STATE_VALUE = {BreakerStatus.CLOSED: 0, BreakerStatus.HALF_OPEN: 1, BreakerStatus.OPEN: 2}

CONTENT_TYPE = CONTENT_TYPE_LATEST
MULTIPROCESS_DIR_ENV = "PROMETHEUS_MULTIPROC_DIR"
# Read once, as prometheus_client (imported just above) read it to choose where values
# live: set it before a worker starts, not later.
_SHARED_DIR = os.environ.get(MULTIPROCESS_DIR_ENV) or None
# The files prometheus_client keeps there, one per kind of value and process id.
VALUE_FILE = re.compile(r"(counter|histogram|summary|gauge_(live)?[a-z]+)_(?P<pid>\d+)\.db")


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        # Where the workers' values are shared, if they are (the module docstring).
        self.shared_dir = _SHARED_DIR
        self._exposed = r
        if self.shared_dir is not None:
            self._exposed = CollectorRegistry()
            MultiProcessCollector(self._exposed, path=self.shared_dir)  # type: ignore[no-untyped-call]
        self.requests = Counter(
            "airouter_http_requests", "HTTP requests served", ["route", "status"], registry=r
        )
        self.request_seconds = Histogram(
            "airouter_http_request_seconds",
            "Request latency",
            ["route"],
            buckets=_LATENCY_BUCKETS,
            registry=r,
        )
        self.attempts = Counter(
            "airouter_upstream_attempts",
            "Calls to a deployment or path",
            ["target", "outcome"],
            registry=r,
        )
        self.tokens = Counter(
            "airouter_tokens", "Tokens used", ["deployment", "direction"], registry=r
        )
        self.cost = Counter("airouter_cost_usd", "Spend in US dollars", ["deployment"], registry=r)
        self.breaker = Gauge(
            "airouter_breaker_state",
            "0 closed, 1 half-open, 2 open (the most open of the live workers)",
            ["target"],
            registry=r,
            multiprocess_mode="livemax",  # every worker has its own breakers
        )
        self.shed = Counter(
            "airouter_shed_requests",
            "Requests refused with 503 because too many were in flight",
            registry=r,
        )
        self.in_flight = Gauge(
            "airouter_http_requests_in_flight",
            "Requests to the model endpoints being served now",
            registry=r,
            multiprocess_mode="livesum",
        )
        self.fallbacks = Counter(
            "airouter_fallbacks", "Answers served by a fallback", ["kind"], registry=r
        )
        # `labels()` takes a lock and builds the key on every call (~3 us); the children
        # it returns live as long as the registry, so each is looked up once. Label
        # values are bounded (above), and so are these caches.
        self._requests = functools.cache(self.requests.labels)
        self._request_seconds = functools.cache(self.request_seconds.labels)
        self._attempts = functools.cache(self.attempts.labels)
        self._tokens = functools.cache(self.tokens.labels)
        self._cost = functools.cache(self.cost.labels)
        self._fallbacks = functools.cache(self.fallbacks.labels)

    def request(self, route: str, status: int, seconds: float, facts: Mapping[str, Any]) -> None:
        self._requests(route, str(status)).inc()
        self._request_seconds(route).observe(seconds)
        deployment = facts.get("deployment")
        if deployment:
            self._tokens(deployment, "in").inc(facts.get("tokens_in") or 0)
            self._tokens(deployment, "out").inc(facts.get("tokens_out") or 0)
            self._cost(deployment).inc(facts.get("cost_usd") or 0.0)
        if facts.get("fallbacks"):
            self._fallbacks("deployment").inc()
        if facts.get("fallback_used"):
            self._fallbacks("legacy").inc()

    def attempt(self, target: str, outcome: str) -> None:
        self._attempts(target, outcome).inc()

    def breaker_changed(
        self, name: str, old: BreakerStatus, new: BreakerStatus, reason: str
    ) -> None:
        """A breaker listener."""
        self.breaker.labels(name).set(_STATE_VALUE[new])

    def breaker_known(self, name: str) -> None:
        self.breaker.labels(name).set(0)

    def count_in_flight(self, read: Callable[[], int]) -> Gauge | None:
        """Report `read()` as the in-flight gauge. With no shared directory it is read
        when scraped and nothing is written per request: None. Across workers a scrape
        cannot call into the others, so the caller must keep the gauge itself
        (`inc` when a request is admitted, `dec` when it ends): the gauge."""
        if self.shared_dir is None:
            self.in_flight.set_function(read)
            return None
        return self.in_flight

    def render(self) -> bytes:
        if self.shared_dir is not None:
            forget_dead_workers(Path(self.shared_dir))
        return generate_latest(self._exposed)

    def close(self) -> None:
        """At shutdown: a worker's live gauges stop counting (its counters still do)."""
        if self.shared_dir is not None:
            mark_process_dead(os.getpid(), self.shared_dir)  # type: ignore[no-untyped-call]


def forget_dead_workers(shared: Path) -> None:
    """Drop the live gauges of workers that are gone without shutting down (killed, or
    crashed and replaced by uvicorn): else a dead worker's last breaker state and
    requests in flight would count for as long as the service runs."""
    for file in shared.glob("gauge_live*"):
        found = VALUE_FILE.fullmatch(file.name)
        if found is None:
            continue
        pid = int(found["pid"])
        try:
            os.kill(pid, 0)  # signal 0: is the process there?
        except ProcessLookupError:
            mark_process_dead(pid, str(shared))  # type: ignore[no-untyped-call]
        except PermissionError:  # there, and someone else's
            continue
