"""Counters the inspection API reports: requests by (method, route, status), product and model lines."""

from __future__ import annotations

import threading
from collections import Counter
from typing import Any

PRODUCT_LINES = "product_lines"
MODEL_LINES = "product_model_lines"


class Stats:
    """Thread-safe counters; ``route`` is the spec's path template, e.g. ``/api/rest/v1/products/{code}``."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._requests: Counter[tuple[str, str, int]] = Counter()
        self._lines: dict[str, Counter[int]] = {PRODUCT_LINES: Counter(), MODEL_LINES: Counter()}
        self._events: Counter[str] = Counter()

    def request(self, method: str, route: str, status: int) -> None:
        with self._lock:
            self._requests[(method, route, status)] += 1

    def lines(self, statuses: list[int], kind: str = PRODUCT_LINES) -> None:
        """Per-entity outcomes of a collection PATCH (or a single PATCH); ``kind``: products or models."""
        with self._lock:
            self._lines[kind].update(statuses)

    def event(self, name: str) -> None:
        """Something without a status of its own, e.g. a dropped connection."""
        with self._lock:
            self._events[name] += 1

    def count(self, method: str | None = None, route: str | None = None, status: int | None = None) -> int:
        """Requests matching every given part."""
        with self._lock:
            return sum(n for (m, r, s), n in self._requests.items()
                       if (method is None or m == method) and (route is None or r == route)
                       and (status is None or s == status))

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return {
                "requests": [{"method": m, "route": r, "status": s, "count": n}
                             for (m, r, s), n in sorted(self._requests.items())],
                "requests_total": sum(self._requests.values()),
                **{kind: {str(status): n for status, n in sorted(lines.items())}
                   for kind, lines in self._lines.items()},
                "events": dict(self._events),
            }

    def reset(self) -> None:
        with self._lock:
            self._requests.clear()
            for lines in self._lines.values():
                lines.clear()
            self._events.clear()
