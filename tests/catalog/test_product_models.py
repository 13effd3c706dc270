"""The facts of known product models: a bounded, thread-safe directory and the one-GET lookup."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from consumer.catalog import ModelDirectory, ModelInfo, look_up_model

JACKET = ModelInfo("jacket", "clothing_color_size")
JACKET_BLUE = ModelInfo("jacket-blue", "clothing_color_size", "jacket")


def test_facts_from_akeneos_standard_format() -> None:
    item = {"code": "jacket-blue", "family": "clothing", "family_variant": "clothing_color_size",
            "parent": "jacket", "categories": [], "values": {}}
    assert ModelInfo.from_item(item) == JACKET_BLUE and not JACKET_BLUE.is_root
    root = {"code": "jacket", "family_variant": "clothing_color_size", "parent": None}
    assert ModelInfo.from_item(root) == JACKET
    assert ModelInfo.from_item({"code": "x", "family_variant": None}) is None


def test_least_recently_used_facts_go_first() -> None:
    directory = ModelDirectory(capacity=2)
    directory.put(JACKET)
    directory.put(JACKET_BLUE)
    assert directory.get("jacket") == JACKET  # now the most recent
    directory.put(ModelInfo("coat", "clothing_size"))
    assert (directory.get("jacket-blue"), len(directory)) == (None, 2)
    assert directory.get("jacket") == JACKET
    directory.forget("jacket")
    assert directory.get("jacket") is None
    with pytest.raises(ValueError):
        ModelDirectory(capacity=0)


def test_shared_between_threads_it_stays_within_its_bound() -> None:
    directory = ModelDirectory(capacity=50)

    def work(n: int) -> None:
        for i in range(2_000):
            directory.put(ModelInfo(f"m-{n}-{i % 80}", "fv"))
            directory.get(f"m-{(n + 1) % 4}-{i % 80}")
            if i % 7 == 0:
                directory.forget(f"m-{n}-{i % 80}")

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert 0 < len(directory) <= 50


class _Source:
    def __init__(self, answer: Any) -> None:
        self.answer, self.asked = answer, []

    def get_product_model(self, code: str) -> dict[str, Any]:
        self.asked.append(code)
        if isinstance(self.answer, Exception):
            raise self.answer
        return dict(self.answer)


class _ApiError(Exception):
    def __init__(self, status: int) -> None:
        super().__init__(f"HTTP {status}")
        self.status = status


def test_lookup_records_what_akeneo_says() -> None:
    directory = ModelDirectory()
    found = _Source({"code": "jacket-blue", "family_variant": "clothing_color_size", "parent": "jacket"})
    assert look_up_model(found, "jacket-blue", directory) == JACKET_BLUE
    assert directory.get("jacket-blue") == JACKET_BLUE
    assert look_up_model(_Source(_ApiError(404)), "jacket-blue", directory) is None  # deleted since
    assert directory.get("jacket-blue") is None
    with pytest.raises(_ApiError):  # anything but "no such model" is the caller's to retry
        look_up_model(_Source(_ApiError(503)), "jacket", directory)
