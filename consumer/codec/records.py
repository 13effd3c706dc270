"""Our two record kinds, each with what the formats need: schema, Avro writer, Avro readers, dict reader."""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from consumer.codec import avro_records
from consumer.codec.avro_plan import compile_change_reader
from consumer.codec.avro_reading import read_record
from consumer.codec.errors import DecodeError
from consumer.codec.events import ChangeEvent, FeedbackEvent
from consumer.codec.fields import change_from_dict, feedback_from_dict
from consumer.codec.schemas import CHANGE, FEEDBACK, BundledSchema, bundled

T = TypeVar("T")


@dataclasses.dataclass(frozen=True)
class RecordKind(Generic[T]):
    schema: BundledSchema
    from_dict: Callable[[object], T]  # a dict (JSON, or fastavro output) to the event, checked field by field
    encode: Callable[[T], bytes]  # Avro with exactly our schema
    compile: Callable[[Any], Callable[[bytes], T] | None]  # a direct reader for a writer schema, if any
    # Schemaless bytes of the previous layout are read by a second try (the change reader's own
    # direct reader reads them itself, faster).
    try_previous: bool = False

    def reader_for(self, writer: Any) -> Callable[[bytes], T]:
        """Reads Avro written with ``writer`` (parsed by fastavro) into our shape."""
        direct = self.compile(writer)
        if direct is not None:
            return direct
        return lambda body: self.from_dict(read_record(body, writer, self.schema.parsed))

    @functools.cached_property
    def decode(self) -> Callable[[bytes], T]:
        """Reads Avro written with our own schema, or with its previous layout (schemaless bytes carry
        no schema: a producer not yet upgraded writes the fields it knows, which end where the newest
        field would start). The previous layout is tried only when ours fails."""
        current = self.reader_for(self.schema.parsed)
        if not self.try_previous:
            return current
        previous, ours = self.schema.previous, self.schema.parsed

        def read(body: bytes) -> T:
            try:
                return current(body)
            except DecodeError as first:
                try:
                    return self.from_dict(read_record(body, previous, ours))
                except DecodeError:
                    raise first from None

        return read


def _no_direct_reader(writer: Any) -> None:
    """Feedback is read off the hot path: fastavro alone."""
    return None


CHANGE_RECORD = RecordKind[ChangeEvent](
    bundled(CHANGE), change_from_dict, avro_records.encode_change, compile_change_reader
)
FEEDBACK_RECORD = RecordKind[FeedbackEvent](
    bundled(FEEDBACK), feedback_from_dict, avro_records.encode_feedback, _no_direct_reader, try_previous=True
)
