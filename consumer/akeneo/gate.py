"""The process-wide gate of one Akeneo host: its adaptive concurrency limit and its Retry-After pause.

Akeneo's fair-use limits are per PIM, not per client object, so every AkeneoClient of the process
that talks to the same host (scheme + host + port) shares one gate. The gate's cap is the smallest
``max_in_flight`` among the live clients of that host (a bound is never exceeded because another
part of the process asked for more); below the cap the limit adapts to Akeneo's answers
(``limit.AimdLimit``) unless every client asked for a fixed one. A 429 with ``Retry-After`` pauses
the gate: no request of the process goes to that host until the pause is over. A client joins
when it is built and leaves on ``close()``; the gate disappears with its last client.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import threading
import time
from collections.abc import Iterator
from typing import Literal
from urllib.parse import urlsplit

from consumer.akeneo.errors import AkeneoCancelled
from consumer.akeneo.limit import AimdLimit, Sample
from consumer.akeneo.observer import ClientObserver, NoopObserver

log = logging.getLogger(__name__)

# How often a request waiting for a slot or for the end of a pause looks at its cancel and stop
# events (threading.Event cannot wake a Condition).
POLL_S = 0.05

# How an exchange went, as the limit sees it: answered grows it, refused (429, timeout) shrinks it.
Verdict = Literal["answered", "refused", "neutral"]


@dataclasses.dataclass(eq=False)
class Member:
    """One client's registration with its host's gate."""

    cap: int
    adaptive: bool
    observer: ClientObserver


@dataclasses.dataclass(eq=False)
class Held:
    """A slot taken; the transport sets ``verdict`` before the slot is given back."""

    sample: Sample
    verdict: Verdict = "neutral"


class HostGate:
    """A counting gate whose limit adapts, and changes while requests hold slots."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._members: list[Member] = []
        self._limit = AimdLimit(1)  # replaced when the first client joins
        self._in_flight = 0
        self._paused_until = 0.0

    @property
    def limit(self) -> int:
        """Requests allowed on the wire at once now."""
        with self._cond:
            return self._limit.value

    @property
    def cap(self) -> int:
        with self._cond:
            return self._limit.cap

    @property
    def in_flight(self) -> int:
        with self._cond:
            return self._in_flight

    def paused_for(self) -> float:
        """Seconds left of the current Retry-After pause (0 when not paused)."""
        with self._cond:
            return max(0.0, self._paused_until - time.monotonic())

    def join(self, cap: int, adaptive: bool, observer: ClientObserver) -> Member:
        with self._cond:
            member = Member(cap, adaptive, observer)
            if not self._members:  # a new gate starts at the cap: a lone client loses nothing
                self._limit = AimdLimit(cap, adaptive)
            self._members.append(member)
            self._reconfigure()
            observer.on_concurrency_limit(self._limit.value)
            return member

    def leave(self, member: Member) -> bool:
        """Forget one client; True if none is left."""
        with self._cond:
            self._members.remove(member)
            if self._members:
                self._reconfigure()
            self._cond.notify_all()  # the cap may have grown
            return not self._members

    def _reconfigure(self) -> None:
        before = self._limit.value
        # The smallest bound wins; adapting wins over a fixed limit (the more careful choice).
        cap = min(m.cap for m in self._members)
        self._limit.configure(cap, any(m.adaptive for m in self._members))
        self._announce(before, "clients changed")

    def _announce(self, before: int, why: str) -> None:
        if self._limit.value != before:
            log.info("Akeneo concurrency limit %d -> %d (%s)", before, self._limit.value, why)
            for member in self._members:
                member.observer.on_concurrency_limit(self._limit.value)
            self._cond.notify_all()

    @contextlib.contextmanager
    def slot(self, *interrupts: threading.Event | None) -> Iterator[Held]:
        """Hold one of the host's slots for one HTTP exchange; set the yielded ``verdict``.

        Waits while the limit is reached or the gate is paused; AkeneoCancelled as soon as one of
        ``interrupts`` (the call's cancel, the client's stop event) is set while waiting.
        """
        held = self._acquire([e for e in interrupts if e is not None])
        try:
            yield held
        finally:
            self._release(held)

    def _acquire(self, interrupts: list[threading.Event]) -> Held:
        with self._cond:
            while True:
                if any(e.is_set() for e in interrupts):
                    raise AkeneoCancelled("stopped while waiting for a slot or the end of a Retry-After")
                paused_s = self._paused_until - time.monotonic()
                opens_s = self._limit.opens_in(self._in_flight)
                if paused_s <= 0 and opens_s == 0:
                    break
                # None: until a slot is given back; else the end of the pause or the slot's opening
                wait = paused_s if paused_s > 0 else opens_s
                if interrupts:
                    wait = POLL_S if wait is None else min(wait, POLL_S)
                self._cond.wait(wait)
            self._in_flight += 1
            return Held(self._limit.sample(self._in_flight))

    def _release(self, held: Held) -> None:
        with self._cond:
            self._in_flight -= 1
            before = self._limit.value
            if held.verdict == "refused":
                self._limit.refused(held.sample)
            elif held.verdict == "answered":
                self._limit.answered(held.sample)
            self._announce(before, "refused" if held.verdict == "refused" else "in use and answered")
            self._cond.notify_all()

    def pause(self, seconds: float) -> None:
        """Hold every request to this host ``seconds`` from now (a Retry-After); a pause is never
        shortened, only lengthened."""
        with self._cond:
            now = time.monotonic()
            until = now + seconds
            if until <= self._paused_until:
                return
            added = until - max(now, self._paused_until)
            self._paused_until = until
            self._limit.pause(until)
            for member in self._members:
                member.observer.on_pause(added)


_registry: dict[str, HostGate] = {}
_registry_lock = threading.Lock()


def host_key(base_url: str) -> str:
    parts = urlsplit(base_url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    return f"{parts.scheme.lower()}://{(parts.hostname or '').lower()}:{port}"


def acquire_gate(
    base_url: str, limit: int, adaptive: bool = True, observer: ClientObserver | None = None
) -> tuple[HostGate, Member]:
    """Join the gate of ``base_url``'s host as a client bounded by ``limit``."""
    if limit < 1:
        raise ValueError("max_in_flight must be at least 1")
    key = host_key(base_url)
    with _registry_lock:
        gate = _registry.get(key)
        if gate is None:
            gate = _registry[key] = HostGate()
        return gate, gate.join(limit, adaptive, observer or NoopObserver())


def release_gate(base_url: str, gate: HostGate, member: Member) -> None:
    """Undo one ``acquire_gate``; the gate leaves the registry with its last client."""
    key = host_key(base_url)
    with _registry_lock:
        if gate.leave(member) and _registry.get(key) is gate:
            del _registry[key]
