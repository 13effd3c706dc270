"""Reading Avro with fastavro: for writer schemas other than ours (resolved to our reader schema)
and for feedback, which is off the hot path."""

from __future__ import annotations

import io
from typing import Any

from fastavro import schemaless_reader
from fastavro.read import SchemaResolutionError

from consumer.codec.errors import DecodeError
from consumer.errors import invalid_utf8

_REASON_LIMIT = 160


def short(text: str) -> str:
    """Error reasons stay one short line: fastavro may quote whole schemas."""
    text = " ".join(text.split())
    return text if len(text) <= _REASON_LIMIT else text[: _REASON_LIMIT - 3] + "..."


def read_record(body: bytes, writer: Any, reader: Any = None) -> Any:
    """One record that must span ``body`` exactly; every failure is a DecodeError."""
    fo = io.BytesIO(body)
    try:
        record = schemaless_reader(fo, writer, reader)
    except SchemaResolutionError as exc:
        raise DecodeError(short(f"writer schema does not resolve to ours: {exc}")) from None
    except EOFError:
        raise DecodeError("truncated Avro data") from None
    except UnicodeDecodeError as exc:  # fastavro has read the string's bytes: it ends where the reader is
        raise DecodeError(f"an Avro string is {invalid_utf8(exc, fo.tell() - len(exc.object))}") from None
    except Exception as exc:  # fastavro raises many kinds on garbage (ValueError, IndexError, ...)
        raise DecodeError(short(f"unreadable Avro data ({type(exc).__name__}: {exc})")) from None
    rest = len(body) - fo.tell()
    if rest:
        raise DecodeError(f"{rest} unexpected bytes after the Avro record")
    return record
