"""Step 2: a decoded event to the product Akeneo should receive, or its rejection.

Every check that can be made before sending is made here, so a bad row is answered REJECTED at
once (status 422, the mapping's errors naming each column) and never reaches Akeneo. In a dry
run a valid event is answered SKIPPED instead of going on.
"""

from __future__ import annotations

from collections.abc import Callable

from consumer.codec import DELETE, ChangeEvent, ErrorDetail
from consumer.mapping import MapResult, identifier_problem
from consumer.service.steps import Step
from consumer.work import Outcome, Status, Work

Mapping = Callable[[ChangeEvent], MapResult]

DRY_RUN = "dry run: valid, not sent to Akeneo"
INVALID = "rejected before sending: invalid values"


class MapStep:
    def __init__(
        self, mapping: Mapping, next_step: Step[Work], answer: Step[Work], dry_run: bool = False
    ) -> None:
        self._map = mapping
        self._next = next_step
        self._answer = answer
        self._dry_run = dry_run

    def submit(self, work: Work) -> None:
        event = work.event
        if event.operation == DELETE:
            problem = identifier_problem(event.identifier, event.entity)
            if problem is not None:  # checked once here, for upserts by the mapping: nothing unsendable goes
                error: ErrorDetail = {
                    "property": "identifier",
                    "attribute": None,
                    "locale": None,
                    "scope": None,
                    "message": problem,
                }
                self._answer.submit(
                    work.answer(Outcome(Status.REJECTED, 422, f"rejected before sending: {problem}", [error]))
                )
                return
        else:
            result = self._map(event)
            if result.payload is None:
                self._answer.submit(work.answer(Outcome(Status.REJECTED, 422, INVALID, list(result.errors))))
                return
            work.payload = result.payload
        if self._dry_run:
            self._answer.submit(work.answer(Outcome(Status.SKIPPED, 0, DRY_RUN)))
            return
        self._next.submit(work)

    def poll(self) -> None:
        pass

    def close(self) -> None:
        pass

    def join(self, timeout_s: float) -> None:
        pass
