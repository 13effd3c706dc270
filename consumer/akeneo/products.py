"""The collection upsert's wire format: products (or product models) to NDJSON requests, NDJSON
answers to LineResults.

Akeneo takes at most 100 lines a request and 1,000,000 characters a line, for products and product
models alike. Larger input is split into several requests (in input order); an item whose line
alone is too long is never sent and gets a 413 result of its own. Akeneo answers one JSON line per
request line, numbered from 1 (naming the item by ``identifier`` or ``code``: the line number is
what is read).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any

import orjson

from consumer.akeneo.errors import AkeneoApiError, akeneo_errors, akeneo_message
from consumer.akeneo.models import LineResult

COLLECTION_TYPE = "application/vnd.akeneo.collection+json"
MAX_LINES = 100
MAX_LINE_CHARS = 1_000_000


@dataclasses.dataclass
class Chunk:
    """One collection request: the encoded lines and where each came from in the input."""

    positions: list[int] = dataclasses.field(default_factory=list)
    lines: list[bytes] = dataclasses.field(default_factory=list)

    @property
    def body(self) -> bytes:
        return b"\n".join(self.lines)


@dataclasses.dataclass
class Plan:
    """The requests to send and the results already known (products that cannot be sent)."""

    identifiers: list[str]
    chunks: list[Chunk]
    early: dict[int, LineResult]


def identifier_of(product: Mapping[str, Any], key: str = "identifier") -> str:
    """The item's ``key``: a product's identifier, a product model's code."""
    value = product.get(key)
    return "" if value is None else str(value)


def plan(products: Sequence[Mapping[str, Any]], max_lines: int = MAX_LINES, key: str = "identifier") -> Plan:
    identifiers = [identifier_of(p, key) for p in products]
    chunks: list[Chunk] = []
    early: dict[int, LineResult] = {}
    current = Chunk()
    for position, product in enumerate(products):
        rejection = None
        try:
            line = orjson.dumps(product, default=_plain)
        except orjson.JSONEncodeError as exc:
            rejection = LineResult(position + 1, identifiers[position], 422, f"product is not JSON: {exc}")
        else:
            # Bytes are never fewer than characters: only long lines need the exact count.
            chars = len(line.decode("utf-8")) if len(line) > MAX_LINE_CHARS else 0
            if chars > MAX_LINE_CHARS:
                message = f"product is {chars:,} characters as JSON, over Akeneo's {MAX_LINE_CHARS:,}"
                rejection = LineResult(position + 1, identifiers[position], 413, message)
        if rejection is not None:
            early[position] = rejection
            continue
        current.positions.append(position)
        current.lines.append(line)
        if len(current.lines) == max_lines:
            chunks.append(current)
            current = Chunk()
    if current.lines:
        chunks.append(current)
    return Plan(identifiers, chunks, early)


def _plain(value: object) -> object:
    if isinstance(value, Mapping):
        return dict(value)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def read_answer(chunk: Chunk, identifiers: list[str], content: bytes, attempts: int) -> list[LineResult]:
    """One result per line of ``chunk`` from Akeneo's NDJSON answer, in the chunk's order."""
    answered: dict[int, dict[str, Any]] = {}
    for raw in content.splitlines():
        if not raw.strip():
            continue
        try:
            item = orjson.loads(raw)
        except orjson.JSONDecodeError:
            continue  # its product gets the "no answer" result below
        if isinstance(item, dict) and isinstance(item.get("line"), int):
            answered[item["line"]] = item
    results = []
    for index, position in enumerate(chunk.positions):
        item = answered.get(index + 1)
        if item is None or not isinstance(item.get("status_code"), int):
            results.append(
                LineResult(
                    position + 1,
                    identifiers[position],
                    0,
                    f"Akeneo's answer has no line {index + 1} for this product",
                    attempts=attempts,
                )
            )
            continue
        message = item.get("message")
        results.append(
            LineResult(
                position + 1,
                identifiers[position],
                item["status_code"],
                None if message is None else akeneo_message(message),
                akeneo_errors(item.get("errors")),
                attempts,
            )
        )
    return results


def whole_request_failed(
    chunk: Chunk, identifiers: list[str], error: AkeneoApiError, attempts: int
) -> list[LineResult]:
    """Akeneo refused the request as a whole: each of its products gets that answer as its own."""
    return [
        LineResult(p + 1, identifiers[p], error.status, error.message, list(error.errors), attempts)
        for p in chunk.positions
    ]
