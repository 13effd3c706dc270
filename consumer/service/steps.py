"""What every step of the pipeline is, in the manner of getsentry/arroyo's processing strategies.

Each step is a small object with the same verbs: ``submit`` hands it one unit of work, ``poll``
lets it move finished work on to the next step (never blocking for long), ``close`` stops it
taking more, ``join`` waits, up to a time, for what it already holds. A step that cannot take
more raises ``MessageRejected``: the loop then pauses its partitions and offers the same work
again later, instead of buffering without bound.
"""

from __future__ import annotations

from typing import Protocol, TypeVar

T_contra = TypeVar("T_contra", contravariant=True)


class MessageRejected(Exception):  # arroyo's name for the signal
    """Full: try this message again later (the loop pauses consumption meanwhile)."""


class Hold(Exception):
    """This partition cannot be read now (the schema registry is down): read it again from
    ``offset`` once ``retry_s`` have passed. The message is not at fault."""

    def __init__(self, topic: str, partition: int, offset: int, retry_s: float, reason: str) -> None:
        super().__init__(reason)
        self.topic = topic
        self.partition = partition
        self.offset = offset
        self.retry_s = retry_s


class Step(Protocol[T_contra]):
    def submit(self, item: T_contra) -> None: ...

    def poll(self) -> None: ...

    def close(self) -> None: ...

    def join(self, timeout_s: float) -> None: ...
