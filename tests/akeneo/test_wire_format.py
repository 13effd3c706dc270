"""The collection upsert's wire format and the URLs, without a network: splitting, counting, parsing."""

from __future__ import annotations

import orjson
import pytest

from consumer.akeneo import AkeneoApiError, segment
from consumer.akeneo.products import MAX_LINE_CHARS, plan, read_answer, whole_request_failed
from consumer.akeneo.urls import ApiUrls, endpoint_name


def test_more_than_100_products_become_requests_of_at_most_100_in_input_order() -> None:
    work = plan([{"identifier": f"p{i}"} for i in range(250)])
    assert [len(c.lines) for c in work.chunks] == [100, 100, 50]
    sent = [orjson.loads(line)["identifier"] for c in work.chunks for line in c.lines]
    assert sent == [f"p{i}" for i in range(250)]
    assert [line.count(b"\n") for c in work.chunks for line in c.lines] == [0] * 250  # one product, one line


def test_the_line_limit_counts_characters_not_bytes() -> None:
    # 600,000 two-byte characters are 1.2 MB but only 600,000 characters: Akeneo takes them.
    accented = {"identifier": "accented", "values": {"name": [{"data": "é" * 600_000}]}}
    oversized = {"identifier": "big", "values": {"name": [{"data": "x" * MAX_LINE_CHARS}]}}
    work = plan([{"identifier": "a"}, oversized, accented])
    assert [orjson.loads(line)["identifier"] for c in work.chunks for line in c.lines] == ["a", "accented"]
    assert list(work.early) == [1]
    rejected = work.early[1]
    assert (rejected.line, rejected.identifier, rejected.status_code, rejected.attempts) == (2, "big", 413, 0)
    assert "1,000,000" in (rejected.message or "")


def test_answer_lines_map_back_to_input_positions_and_missing_lines_fail_clearly() -> None:
    work = plan([{"identifier": "a"}, {"identifier": "b"}, {"identifier": "c"}])
    answer = b"\n".join(
        [
            b'{"line":2,"identifier":"b","status_code":422,"message":"Validation failed.",'
            b'"errors":[{"property":"values","message":"bad","attribute":"name","locale":null,"scope":null}]}',
            b'{"line":1,"identifier":"a","status_code":201}',
            b"not json",
        ]
    )
    results = read_answer(work.chunks[0], work.identifiers, answer, attempts=2)
    assert [(r.line, r.identifier, r.status_code, r.attempts) for r in results] == [
        (1, "a", 201, 2), (2, "b", 422, 2), (3, "c", 0, 2),
    ]
    assert results[1].errors[0]["attribute"] == "name" and results[1].message == "Validation failed."
    assert "no line 3" in (results[2].message or "")
    assert results[0].ok and not results[1].ok


def test_a_request_refused_as_a_whole_becomes_one_result_per_product() -> None:
    work = plan([{"identifier": "a"}, {"identifier": "b"}])
    error = AkeneoApiError(422, 422, "Unprocessable", [{"message": "x"}], "PATCH /products")
    results = whole_request_failed(work.chunks[0], work.identifiers, error, attempts=1)
    assert [(r.identifier, r.status_code, r.message) for r in results] == [
        ("a", 422, "Unprocessable"), ("b", 422, "Unprocessable"),
    ]


def test_identifiers_become_single_path_segments() -> None:
    assert segment("a/b?c%d e") == "a%2Fb%3Fc%25d%20e"
    assert segment("café-ü") == "caf%C3%A9-%C3%BC"


def test_endpoint_names_have_fixed_cardinality() -> None:
    assert endpoint_name("PATCH", "https://pim.example/api/rest/v1/products") == "PATCH /products"
    assert endpoint_name("DELETE", "products/" + segment("a/b")) == "DELETE /products/{identifier}"
    assert endpoint_name("GET", "https://pim/x/api/rest/v1/attributes/color/options?page=2") == (
        "GET /attributes/{code}/options"
    )


def test_next_links_resolve_relative_or_absolute_but_never_to_another_host() -> None:
    urls = ApiUrls("https://pim.example.com/")
    page = "https://pim.example.com/api/rest/v1/attributes?limit=10"
    assert urls.follow(page, "/api/rest/v1/attributes?page=2") == "https://pim.example.com/api/rest/v1/attributes?page=2"
    assert urls.follow(page, "?page=3") == "https://pim.example.com/api/rest/v1/attributes?page=3"
    with pytest.raises(ValueError, match="another host"):
        urls.follow(page, "https://evil.example.com/api/rest/v1/attributes?page=2")
    with pytest.raises(ValueError):
        ApiUrls("pim.example.com")
