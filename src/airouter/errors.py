"""The project's error hierarchy, translated to HTTP once at the service boundary.

    AirouterError                    code                   HTTP
    ├── ConfigError                  config_invalid         (startup only)
    ├── RequestError                 (caller's fault)       4xx
    │   ├── InvalidRequest           invalid_request        400
    │   ├── Unauthorized             unauthorized           401
    │   ├── NotFound                 not_found              404
    │   ├── MethodNotAllowed         method_not_allowed     405
    │   ├── Conflict                 conflict               409
    │   └── PayloadTooLarge          payload_too_large      413
    ├── UpstreamError                (one deployment, one attempt)
    │   ├── UpstreamTimeout          upstream_timeout       504   transient, provider fault
    │   ├── UpstreamConnectionError  upstream_unreachable   502   transient, provider fault
    │   ├── UpstreamRateLimited      upstream_rate_limited  429   transient, provider fault
    │   ├── UpstreamServerError      upstream_error         502   transient, provider fault
    │   ├── UpstreamBadResponse      upstream_bad_response  502   provider fault, not retried
    │   ├── UpstreamRejected         upstream_rejected      502   the upstream refused our request
    │   ├── AgentOutputInvalid       agent_output_invalid   502   provider fault: unparseable or
    │   │                                                         schema-invalid agent answer
    │   ├── RouterAuthFailed         router_auth_failed     502   our router refused our key
    │   └── CircuitOpen              circuit_open           503   the breaker refused the call
    ├── AllDeploymentsFailed         all_deployments_failed 502/504, names every deployment tried
    └── ProvidersFailed              providers_failed       502/504, the gateway's paths all failed

"Transient" failures are worth retrying; "provider fault" failures count against a
deployment's circuit breaker and the canary's error rate. A caller's bad request is
neither. Messages of upstream errors are written by us: upstream bodies are never
echoed to clients.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any


class AirouterError(Exception):
    """Base of every error airouter raises on purpose."""

    code = "internal_error"
    http_status = 500
    retry_after: float | None = None
    """Seconds the client should wait before retrying (a Retry-After header), if known."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def details(self) -> dict[str, Any]:
        """Extra fields for the client's JSON error (evidence, never secrets)."""
        return {}


class ConfigError(AirouterError):
    """Settings or routing config are invalid; raised at startup, never per request."""

    code = "config_invalid"


class RequestError(AirouterError):
    """The caller sent something we will not serve."""

    code = "invalid_request"
    http_status = 400


class InvalidRequest(RequestError):
    code = "invalid_request"
    http_status = 400


class Unauthorized(RequestError):
    code = "unauthorized"
    http_status = 401

    def __init__(self, message: str, realm: str = "airouter") -> None:
        super().__init__(message)
        self.realm = realm  # named in the WWW-Authenticate challenge


class NotFound(RequestError):
    code = "not_found"
    http_status = 404


class MethodNotAllowed(RequestError):
    code = "method_not_allowed"
    http_status = 405


class Conflict(RequestError):
    """The request contradicts the service's current configuration or state."""

    code = "conflict"
    http_status = 409


class PayloadTooLarge(RequestError):
    code = "payload_too_large"
    http_status = 413


class Overloaded(AirouterError):
    """Too many requests in flight in this process: refused at once, before any work."""

    code = "overloaded"
    http_status = 503

    def __init__(self, message: str, retry_after: float = 1.0) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class UpstreamError(AirouterError):
    """One attempt against one deployment failed.

    `upstream_status` keeps the status the upstream answered (None when no answer
    came); `retry_after` is the upstream's requested wait in seconds, if it gave one.
    """

    code = "upstream_error"
    http_status = 502
    transient = False
    provider_fault = False

    def __init__(
        self,
        message: str,
        *,
        deployment: str,
        upstream_status: int | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.deployment = deployment
        self.upstream_status = upstream_status
        self.retry_after = retry_after


class UpstreamTimeout(UpstreamError):
    code = "upstream_timeout"
    http_status = 504
    transient = True
    provider_fault = True


class UpstreamConnectionError(UpstreamError):
    code = "upstream_unreachable"
    http_status = 502
    transient = True
    provider_fault = True


class UpstreamRateLimited(UpstreamError):
    code = "upstream_rate_limited"
    http_status = 429
    transient = True
    provider_fault = True


class UpstreamServerError(UpstreamError):
    code = "upstream_error"
    http_status = 502
    transient = True
    provider_fault = True


class UpstreamBadResponse(UpstreamError):
    """The upstream answered 2xx with something that is not a valid completion."""

    code = "upstream_bad_response"
    http_status = 502
    provider_fault = True


class UpstreamRejected(UpstreamError):
    """The upstream refused the request (400, 401, 403, 404, 413, 422).

    Not the provider's fault and not worth retrying: either the request is bad
    for that model or our credentials for it are.
    """

    code = "upstream_rejected"
    http_status = 502


class AgentOutputInvalid(UpstreamError):
    """An agent's answer is not JSON or breaks its schema: the model failed, fail closed."""

    code = "agent_output_invalid"
    http_status = 502
    provider_fault = True


class RouterAuthFailed(UpstreamError):
    """Our own router refused the gateway's AI_ROUTER_API_KEY: a misconfiguration."""

    code = "router_auth_failed"
    http_status = 502
    provider_fault = True


class CircuitOpen(UpstreamError):
    """The deployment's circuit breaker refused the call without trying it."""

    code = "circuit_open"
    http_status = 503


NOT_ATTEMPTED = "not_attempted"
"""The code of a deployment the request's deadline left no time to call."""


@dataclass(frozen=True)
class Attempt:
    """What happened to one deployment of a fallback chain."""

    deployment: str
    code: str
    upstream_status: int | None

    def as_dict(self) -> dict[str, Any]:
        return {
            "deployment": self.deployment,
            "code": self.code,
            "upstream_status": self.upstream_status,
        }


class AllDeploymentsFailed(AirouterError):
    """Every deployment in the chain failed; carries what each one did."""

    code = "all_deployments_failed"

    def __init__(self, attempts: Sequence[Attempt], *, retry_after: float | None = None) -> None:
        tried = ", ".join(f"{a.deployment} ({a.code})" for a in attempts) or "none"
        super().__init__(f"every deployment failed; tried: {tried}")
        self.attempts = tuple(attempts)
        self.retry_after = retry_after
        timeouts = (UpstreamTimeout.code, NOT_ATTEMPTED)
        only_timeouts = bool(attempts) and all(a.code in timeouts for a in attempts)
        self.http_status = 504 if only_timeouts else 502

    def details(self) -> dict[str, Any]:
        return {"tried": [a.as_dict() for a in self.attempts]}


def classify_status(status: int) -> type[UpstreamError]:
    """Map an upstream HTTP status to the error class that keeps its meaning."""
    if status == 429:
        return UpstreamRateLimited
    if status == 408:
        return UpstreamTimeout
    if status >= 500:
        return UpstreamServerError
    return UpstreamRejected


class ProvidersFailed(AirouterError):
    """The gateway's paths (foundry, then legacy when fallback is on) all failed."""

    code = "providers_failed"

    def __init__(self, reasons: Sequence[tuple[str, str]]) -> None:
        said = "; ".join(f"{provider} failed ({code})" for provider, code in reasons)
        super().__init__(said or "no provider could answer")
        self.reasons = tuple(reasons)
        timeouts = bool(reasons) and all(code == UpstreamTimeout.code for _, code in reasons)
        self.http_status = 504 if timeouts else 502

    def details(self) -> dict[str, Any]:
        return {"reasons": [{"provider": p, "code": c} for p, c in self.reasons]}
