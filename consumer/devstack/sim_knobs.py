"""The simulator's knobs: latency, limits and injected faults, changeable while it runs."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

_ERROR_STATUSES = (500, 502, 503)
_LINE_ERROR_STATUSES = (429, 500, 503)
_ECHO_STATUSES = (400, 422)


@dataclass(frozen=True, slots=True)
class SimKnobs:
    """Behaviour settings; 0 switches a limit or a fault off. Replaced whole, so reads need no lock."""

    token_ttl_s: float = 3600.0  # access token lifetime (Akeneo's default)
    refresh_token_ttl_s: float = 1_209_600.0  # 14 days, Akeneo's default
    latency_base_s: float = 0.0  # added to every API answer
    latency_per_product_s: float = 0.0  # added per line of a collection PATCH
    max_concurrency: int = 0  # requests in progress (all connections together: the PIM) above this answer 429
    max_concurrency_per_connection: int = 0  # the same for one API connection (client id); Akeneo's is 4
    rps_limit: float = 0.0  # requests in the last second above this answer 429
    retry_after_s: float = 1.0  # Retry-After of 429 and injected 503 answers
    error_rate: float = 0.0  # share of API requests answered with one of error_statuses
    error_statuses: tuple[int, ...] = _ERROR_STATUSES
    drop_rate: float = 0.0  # share of API requests whose connection is closed without an answer
    drop_after_rate: float = 0.0  # share of API requests handled, then closed without an answer
    slow_rate: float = 0.0  # share of API requests delayed by slow_s more
    slow_s: float = 0.0
    echo_headers_rate: float = 0.0  # share of API requests refused whole with a body echoing their headers
    echo_headers_status: int = 400  # 400 or 422
    line_error_rate: float = 0.0  # share of collection lines answered line_error_statuses, not applied
    line_error_statuses: tuple[int, ...] = _LINE_ERROR_STATUSES
    short_answer_rate: float = 0.0  # share of collection answers cut after a random line (all lines applied)
    garbled_answer_rate: float = 0.0  # share of collection answers that are not NDJSON (all lines applied)
    outage_until: float = 0.0  # time.monotonic() deadline: every API request answers 503 until then
    seed: int | None = None  # seeds the fault dice for reproducible runs
    validate: bool = True  # False stores products unchecked: benchmarks of the service, not of the simulator
    relative_links: bool = False  # _links hrefs as paths without scheme and host (both are legal)

    def replace(self, *, clock: Callable[[], float] = time.monotonic, **changes: Any) -> SimKnobs:
        """A copy with ``changes`` applied; ``outage_for_s=S`` sets ``outage_until`` to ``clock() + S``.

        Raises ValueError naming the first unknown or invalid knob.
        """
        fields = {f.name: f for f in dataclasses.fields(self)}
        clean: dict[str, Any] = {}
        for name, value in changes.items():
            if name == "outage_for_s":
                name, value = "outage_until", clock() + _non_negative(name, value)
            elif name not in fields:
                raise ValueError(f"unknown knob {name!r}")
            elif name in ("validate", "relative_links"):
                if not isinstance(value, bool):
                    raise ValueError(f"knob {name!r} needs true or false")
            elif name == "seed":
                value = None if value is None else int(value)
            elif name == "error_statuses":
                value = _statuses(name, value, lambda s: 500 <= s <= 599, "5xx codes")
            elif name == "line_error_statuses":
                value = _statuses(name, value, lambda s: s == 429 or 500 <= s <= 599, "429 or 5xx codes")
            elif name == "echo_headers_status":
                if value not in _ECHO_STATUSES:
                    raise ValueError("knob 'echo_headers_status' needs 400 or 422")
            elif name in ("max_concurrency", "max_concurrency_per_connection"):
                value = int(_non_negative(name, value))
            else:
                value = _non_negative(name, value)
                if name.endswith("_rate") and name != "rps_limit" and value > 1:
                    raise ValueError(f"knob {name!r} is a share between 0 and 1")
            clean[name] = value
        return dataclasses.replace(self, **clean)

    def as_dict(self, now: float) -> dict[str, Any]:
        """JSON-friendly view; the outage deadline is shown as seconds remaining after ``now``."""
        data = dataclasses.asdict(self)
        data["error_statuses"] = list(self.error_statuses)
        data["line_error_statuses"] = list(self.line_error_statuses)
        data["outage_remaining_s"] = max(0.0, self.outage_until - now)
        del data["outage_until"]
        return data


def _statuses(name: str, value: Any, allowed: Callable[[int], bool], what: str) -> tuple[int, ...]:
    try:
        statuses = tuple(int(s) for s in value)
    except (TypeError, ValueError):
        raise ValueError(f"knob {name!r} needs {what}") from None
    if not statuses or not all(allowed(s) for s in statuses):
        raise ValueError(f"knob {name!r} needs {what}")
    return statuses


def _non_negative(name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"knob {name!r} needs a number")
    if value < 0:
        raise ValueError(f"knob {name!r} must not be negative")
    return float(value)
