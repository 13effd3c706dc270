"""The process-wide bound on concurrent requests to one Akeneo host.

Akeneo's fair-use limit is per PIM, not per client object, so every AkeneoClient of the process
that talks to the same host (scheme + host + port) shares one gate. The gate's limit is the
smallest ``max_in_flight`` among the live clients of that host: a bound is never exceeded
because another part of the process asked for more. A client registers when it is built and
unregisters on ``close()``; the gate disappears with its last client.
"""

from __future__ import annotations

import collections
import contextlib
import threading
from collections.abc import Iterator
from urllib.parse import urlsplit


class HostGate:
    """A counting gate whose limit can change while requests hold slots."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._limits: collections.Counter[int] = collections.Counter()
        self._in_flight = 0

    @property
    def limit(self) -> int:
        with self._cond:
            return self._current_limit()

    def _current_limit(self) -> int:
        return min(self._limits, default=1)

    @property
    def in_flight(self) -> int:
        with self._cond:
            return self._in_flight

    def register(self, limit: int) -> None:
        with self._cond:
            self._limits[limit] += 1

    def unregister(self, limit: int) -> bool:
        """Forget one registration; True if no client is left."""
        with self._cond:
            self._limits[limit] -= 1
            if self._limits[limit] <= 0:
                del self._limits[limit]
            self._cond.notify_all()  # the limit may have grown
            return not self._limits

    @contextlib.contextmanager
    def slot(self) -> Iterator[None]:
        """Hold one of the host's slots for the duration of one HTTP exchange."""
        with self._cond:
            while self._in_flight >= self._current_limit():
                self._cond.wait()
            self._in_flight += 1
        try:
            yield
        finally:
            with self._cond:
                self._in_flight -= 1
                self._cond.notify()


_registry: dict[str, HostGate] = {}
_registry_lock = threading.Lock()


def host_key(base_url: str) -> str:
    parts = urlsplit(base_url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    return f"{parts.scheme.lower()}://{(parts.hostname or '').lower()}:{port}"


def acquire_gate(base_url: str, limit: int) -> HostGate:
    """Register a client bounded by ``limit`` for the host of ``base_url`` and return the host's gate."""
    if limit < 1:
        raise ValueError("max_in_flight must be at least 1")
    key = host_key(base_url)
    with _registry_lock:
        gate = _registry.get(key)
        if gate is None:
            gate = _registry[key] = HostGate()
        gate.register(limit)
        return gate


def release_gate(base_url: str, gate: HostGate, limit: int) -> None:
    """Undo one ``acquire_gate``; the gate leaves the registry with its last client."""
    key = host_key(base_url)
    with _registry_lock:
        if gate.unregister(limit) and _registry.get(key) is gate:
            del _registry[key]
