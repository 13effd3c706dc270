"""Step 2: a decoded event to what Akeneo should receive, or its rejection.

Every check that can be made before sending is made here, so a bad row is answered REJECTED at
once (status 422, the mapping's errors naming each column) and never reaches Akeneo. In a dry
run a valid event is answered SKIPPED instead of going on.

Product models: what the mapping knows of them is in a ``ModelDirectory``, filled by the model
rows mapped here and by lookups (``GET /product-models/{code}``) made off the loop's thread. A
row whose parent (or own model) is not known yet waits here — its own event may sit on another
partition or come a little later — and so do the later events of the same product, in order.
The model is looked up again with backoff, and the row mapped again as soon as the model is
known; after ``PARENT_WAIT_S`` it is REJECTED naming the parent.
"""

from __future__ import annotations

import logging
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field

from consumer.catalog import ModelDirectory, ModelInfo
from consumer.codec import DELETE, PRODUCT_MODEL, ChangeEvent, ErrorDetail
from consumer.mapping import MapResult, identifier_problem
from consumer.service.steps import Step
from consumer.work import Outcome, Status, Work

log = logging.getLogger(__name__)

Mapping = Callable[[ChangeEvent], MapResult]
Lookup = Callable[[str], ModelInfo | None]  # one GET of a product model's facts (HTTP: off the loop)

DRY_RUN = "dry run: valid, not sent to Akeneo"
INVALID = "rejected before sending: invalid values"
LOOK_AGAIN_S = (0.5, 10.0)  # first and longest wait between two lookups of a model still unknown


@dataclass
class _Wait:
    """A product model some rows wait for."""

    keys: set[tuple[str, str]] = field(default_factory=set)  # products (or models) whose head waits
    looks: int = 0
    next_look: float = 0.0
    looking: Future[ModelInfo | None] | None = None


class MapStep:
    def __init__(
        self,
        mapping: Mapping,
        next_step: Step[Work],
        answer: Step[Work],
        dry_run: bool = False,
        models: ModelDirectory | None = None,
        lookup: Lookup | None = None,
        parent_wait_s: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._map = mapping
        self._next = next_step
        self._answer = answer
        self._dry_run = dry_run
        self._models = models if models is not None else ModelDirectory()  # an empty one is falsy
        self._lookup = lookup
        self._parent_wait_s = parent_wait_s
        self._clock = clock
        self._parked: dict[tuple[str, str], deque[tuple[Work, float]]] = {}  # in order, with arrival
        self._waiting_on: dict[tuple[str, str], str] = {}  # the code the head of a parked queue needs
        self._waits: dict[str, _Wait] = {}
        self._known: list[str] = []  # models learnt of since the last release
        self._lookups: ThreadPoolExecutor | None = None
        self.parked = 0  # events waiting for a product model

    def submit(self, work: Work) -> None:
        key = (work.event.entity, work.event.identifier)
        queue = self._parked.get(key)
        if queue is not None:  # an earlier event of this product waits: this one waits behind it
            queue.append((work, self._clock()))
            self.parked += 1
            return
        waiting_for = self._handle(work)
        if waiting_for is not None:
            self._parked[key] = deque([(work, self._clock())])
            self.parked += 1
            self._wait_for(waiting_for, key)
        if self._known:
            self._release_known()

    def _handle(self, work: Work) -> str | None:
        """Map ``work`` and pass it on (or answer it); or the code of a model it must wait for."""
        event = work.event
        if event.operation == DELETE:
            problem = identifier_problem(event.identifier, event.entity)
            if problem is not None:  # checked once here, for upserts by the mapping: nothing unsendable goes
                self._reject(work, f"rejected before sending: {problem}", [_identifier_error(problem)])
                return None
            if event.entity == PRODUCT_MODEL:
                self._models.forget(event.identifier)
        else:
            try:
                result = self._map(event)
            except Exception as exc:  # the mapping never raises; if it ever did, only this event is lost
                log.exception("mapping %r failed", event.event_id)
                self._reject(work, f"rejected before sending: internal error {type(exc).__name__}", [])
                return None
            if result.waiting_for is not None:
                return result.waiting_for
            if result.payload is None:
                self._reject(work, INVALID, list(result.errors))
                return None
            if result.model is not None:
                self._models.put(result.model)
                if result.model.code in self._waits:
                    self._known.append(result.model.code)
            work.payload = result.payload
            work.models = tuple((m.code, m.payload) for m in result.models)
            work.ancestors = self._ancestors(result.payload)
        if self._dry_run:
            self._answer.submit(work.answer(Outcome(Status.SKIPPED, 0, DRY_RUN)))
            return None
        self._next.submit(work)
        return None

    def _ancestors(self, payload: dict[str, object]) -> tuple[str, ...]:
        """The models a write hangs from (its parent, and the parent's parent): it goes after theirs."""
        parent = payload.get("parent")
        if not isinstance(parent, str) or not parent:
            return ()
        info = self._models.get(parent)
        return (parent, info.parent) if info is not None and info.parent else (parent,)

    def _reject(self, work: Work, message: str, errors: list[ErrorDetail]) -> None:
        self._answer.submit(work.answer(Outcome(Status.REJECTED, 422, message, errors)))

    # --- waiting for product models ------------------------------------------------------------
    def _wait_for(self, code: str, key: tuple[str, str]) -> None:
        self._waiting_on[key] = code
        wait = self._waits.get(code)
        if wait is None:
            wait = self._waits[code] = _Wait(next_look=self._clock())
        wait.keys.add(key)

    def _release(self, code: str) -> None:
        """``code`` is known now: map again what waited for it, in each product's order."""
        wait = self._waits.pop(code, None)
        if wait is None:
            return
        for key in wait.keys:
            if self._waiting_on.get(key) == code:
                self._drain(key)

    def _release_known(self) -> None:
        while self._known:
            self._release(self._known.pop())

    def _drain(self, key: tuple[str, str], now: float | None = None) -> None:
        """Hand on the parked events of ``key`` until one must wait again (or, past its time, is refused)."""
        queue = self._parked[key]
        del self._waiting_on[key]
        while queue:
            work, arrived = queue[0]
            waiting_for = self._handle(work)
            if waiting_for is not None:
                if now is None or now - arrived < self._parent_wait_s:
                    self._wait_for(waiting_for, key)
                    return
                self._give_up(work, waiting_for, now - arrived)
            queue.popleft()
            self.parked -= 1
        del self._parked[key]

    def _give_up(self, work: Work, code: str, waited_s: float) -> None:
        message = f'parent product model "{code}" does not exist in Akeneo (waited {waited_s:.0f}s for it)'
        if code == work.event.identifier:
            message = f'product model "{code}" does not exist in Akeneo and the row has no family_variant'
        error: ErrorDetail = {
            "property": "parent",
            "attribute": None,
            "locale": None,
            "scope": None,
            "message": message,
        }
        self._reject(work, f"rejected before sending: {message}", [error])

    def poll(self) -> None:
        if not self._waits:
            return
        now = self._clock()
        for code, wait in list(self._waits.items()):
            if wait.looking is not None and wait.looking.done():
                info = _found(wait.looking, code)
                wait.looking = None
                if info is not None:
                    self._release(code)
                    continue
                wait.looks += 1
                first, longest = LOOK_AGAIN_S
                wait.next_look = now + min(longest, first * 2 ** min(wait.looks - 1, 16))
            if not wait.keys and wait.looking is None:
                del self._waits[code]  # nobody waits for it any more
                continue
            if wait.looking is None and now >= wait.next_look and self._lookup is not None:
                if self._lookups is None:
                    self._lookups = ThreadPoolExecutor(max_workers=2, thread_name_prefix="model-lookup")
                wait.looking = self._lookups.submit(self._lookup, code)
        for key, queue in list(self._parked.items()):
            if key in self._waiting_on and now - queue[0][1] >= self._parent_wait_s:
                given_up = self._waits.get(self._waiting_on[key])
                if given_up is not None:
                    given_up.keys.discard(key)
                self._drain(key, now)
        self._release_known()

    def close(self) -> None:
        if self._lookups is not None:
            self._lookups.shutdown(wait=False, cancel_futures=True)

    def join(self, timeout_s: float) -> None:
        pass


def _found(future: Future[ModelInfo | None], code: str) -> ModelInfo | None:
    try:
        return future.result()
    except Exception as exc:  # Akeneo unreachable or refusing: look again later, until the wait ends
        log.warning("looking up product model %r failed: %s", code, exc)
        return None


def _identifier_error(problem: str) -> ErrorDetail:
    return {"property": "identifier", "attribute": None, "locale": None, "scope": None, "message": problem}
