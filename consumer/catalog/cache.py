"""The live catalog: one snapshot, replaced whole by a background refresh.

Readers call ``current()`` and get an immutable snapshot; a refresh builds a new one off to the side
and swaps the reference, so mapping never waits for Akeneo and never sees half a catalog. Refreshes
happen every ``interval_s`` and when asked (``request_refresh``, e.g. when Akeneo rejects a code the
snapshot did not know); asked-for refreshes are coalesced and at most one per ``min_gap_s``.
A failed refresh keeps the previous snapshot and is retried after ``retry_s``.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from consumer.catalog.model import Catalog
from consumer.errors import ConsumerError

log = logging.getLogger(__name__)

_REASONS_KEPT = 5


class CatalogUnavailable(ConsumerError):
    """No snapshot has been loaded yet."""


@dataclass(frozen=True, slots=True)
class RefreshOutcome:
    """What one refresh did, for metrics and logs."""

    reason: str
    ok: bool
    seconds: float
    error: str | None


class CatalogCache:
    def __init__(
        self,
        loader: Callable[[], Catalog],
        interval_s: float = 300.0,
        min_gap_s: float = 30.0,
        retry_s: float = 15.0,
        on_refresh: Callable[[RefreshOutcome], None] | None = None,
        clock: Callable[[], float] = time.monotonic,
        initial: Catalog | None = None,
    ) -> None:
        """``initial``: a snapshot already loaded (at start-up, say); refreshes then start from it."""
        self._loader = loader
        self._interval_s = interval_s
        self._min_gap_s = min_gap_s
        self._retry_s = retry_s
        self._on_refresh = on_refresh
        self._clock = clock
        self._snapshot: Catalog | None = initial
        self._wake = threading.Condition()
        self._asked: list[str] = []  # reasons of pending on-demand refreshes (coalesced)
        self._last_attempt = float("-inf")
        self._next_timed = float("inf")
        self._stopping = False
        self._thread: threading.Thread | None = None
        self.last_error: str | None = None
        self.refreshes = 0

    @classmethod
    def fixed(cls, catalog: Catalog) -> CatalogCache:
        """A cache that always answers ``catalog`` (offline `map`, tests)."""
        return cls(lambda: catalog, interval_s=0, initial=catalog)

    def current(self) -> Catalog:
        snapshot = self._snapshot  # one reference read: atomic
        if snapshot is None:
            raise CatalogUnavailable("the Akeneo catalog has not been loaded yet")
        return snapshot

    @property
    def loaded(self) -> bool:
        return self._snapshot is not None

    def load_now(self) -> Catalog:
        """Load synchronously (at start-up); raises what the loader raises."""
        self._refresh("initial load", raise_errors=True)
        return self.current()

    def start(self) -> CatalogCache:
        """Run timed and on-demand refreshes in a daemon thread."""
        if self._thread is None:
            with self._wake:
                self._stopping = False
                if self._interval_s > 0:
                    self._next_timed = self._clock() + self._interval_s
            self._thread = threading.Thread(target=self._run, name="catalog-refresh", daemon=True)
            self._thread.start()
        return self

    def request_refresh(self, reason: str) -> None:
        """Ask for a refresh soon; never blocks. Requests within ``min_gap_s`` are merged into one."""
        with self._wake:
            # A few reasons are enough for the log line; the mapping may ask thousands of times
            # per second while a refresh is rate-limited, so the list must not grow with them.
            if len(self._asked) < _REASONS_KEPT and reason not in self._asked:
                self._asked.append(reason)
            self._wake.notify()

    def stop(self, timeout_s: float = 5.0) -> None:
        with self._wake:
            self._stopping = True
            self._wake.notify()
        if self._thread is not None:
            self._thread.join(timeout_s)
            self._thread = None

    def _due(self, now: float) -> tuple[float, str | None]:
        """(seconds to wait, reason if a refresh is due now)."""
        if self._asked:
            asked_at = self._last_attempt + self._min_gap_s
            if now >= asked_at:
                return 0.0, "; ".join(self._asked)
            return min(asked_at, self._next_timed) - now, None if now < self._next_timed else "timer"
        if now >= self._next_timed:
            return 0.0, "timer"
        return self._next_timed - now, None

    def _run(self) -> None:
        while True:
            with self._wake:
                while True:
                    if self._stopping:
                        return
                    wait_s, reason = self._due(self._clock())
                    if reason is not None:
                        self._asked.clear()
                        break
                    self._wake.wait(timeout=min(wait_s, 3600.0))
            self._refresh(reason, raise_errors=False)

    def _refresh(self, reason: str, raise_errors: bool) -> None:
        started = self._clock()
        with self._wake:
            self._last_attempt = started
        try:
            snapshot = self._loader()
        except Exception as exc:
            self.last_error = str(exc) or type(exc).__name__
            outcome = RefreshOutcome(reason, False, self._clock() - started, self.last_error)
            log.warning("catalog refresh failed (%s): %s", reason, self.last_error)
            with self._wake:
                self._next_timed = self._clock() + (self._retry_s if self._interval_s > 0 else float("inf"))
            self._report(outcome)
            if raise_errors:
                raise
            return
        self._snapshot = snapshot  # the swap: readers see the old or the new snapshot, whole
        self.last_error = None
        self.refreshes += 1
        with self._wake:
            self._next_timed = self._clock() + self._interval_s if self._interval_s > 0 else float("inf")
        log.info("catalog refreshed (%s): %r", reason, snapshot)
        self._report(RefreshOutcome(reason, True, self._clock() - started, None))

    def _report(self, outcome: RefreshOutcome) -> None:
        if self._on_refresh is not None:
            try:
                self._on_refresh(outcome)
            except Exception:  # a metrics hook must never stop refreshes
                log.exception("catalog refresh hook failed")
