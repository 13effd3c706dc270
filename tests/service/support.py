"""What the pipeline's step tests share: works made from rows, a step that records what reaches it."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from consumer.codec import ChangeEvent
from consumer.work import Source, Work


def work(
    identifier: str,
    payload: dict[str, Any] | None = None,
    operation: str = "UPSERT",
    partition: int = 0,
    offset: int = 0,
    topic: str = "t",
    epoch: int = 0,
    values: dict[str, str | None] | None = None,
) -> Work:
    event = ChangeEvent(f"e-{identifier}-{offset}", 1_700_000_000_000, operation, identifier, values or {})
    source = Source(topic, partition, offset, identifier.encode(), b"{}", None, epoch)
    return Work(
        source, event, payload if payload is not None or operation != "UPSERT" else {"identifier": identifier}
    )


class Recorder:
    """A last step that keeps what it is given, in order."""

    def __init__(self) -> None:
        self.works: list[Work] = []

    def submit(self, item: Work) -> None:
        self.works.append(item)

    def poll(self) -> None:
        pass

    def close(self) -> None:
        pass

    def join(self, timeout_s: float) -> None:
        pass


def wait_until(
    predicate: Callable[[], bool], timeout_s: float = 10.0, poll: Callable[[], None] | None = None
) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if poll is not None:
            poll()
        if predicate():
            return
        time.sleep(0.005)
    raise AssertionError("timed out")
