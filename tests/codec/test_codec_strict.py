"""Ambiguous or mis-encoded events are undecodable, saying where: a key twice, bytes that are not UTF-8."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from consumer.codec import ChangeEvent, DecodeError, make_codec
from consumer.codec.avro_binary import write_long
from consumer.codec.avro_records import encode_change

from .conftest import TOPIC

JSON = make_codec("json")
AVRO = make_codec("avro")
HEAD = b'{"event_id":"e-1","occurred_at":1700000000000,"identifier":"sku-1",'


def _refused(codec: Any, value: bytes, key: bytes | None = b"from-key") -> DecodeError:
    with pytest.raises(DecodeError) as caught:
        codec.decode_change(value, TOPIC, key)
    return caught.value


class TestJsonDuplicateKeys:
    def test_identifier_twice_is_refused_and_neither_is_believed(self) -> None:
        err = _refused(JSON, b'{"event_id":"e-1","occurred_at":1,"identifier":"a","identifier":"b"}')
        assert err.reason == "identifier appears twice"
        assert err.identifier == "from-key"  # the Kafka key, not one of the two candidates

    def test_a_column_twice_is_refused_naming_it_and_the_product(self) -> None:
        err = _refused(JSON, HEAD + b'"values":{"color":"red","name":"Cap","color":"blue"}}')
        assert (err.reason, err.identifier, err.event_id) == ("values.color appears twice", "sku-1", "e-1")

    def test_spaced_out_json_and_odd_column_names_are_named_too(self) -> None:
        document = (
            b'{ "event_id" : "e", "occurred_at" : 1, "identifier" : "s",\n'
            b' "values" : {"a.b" : "1", "a.b" : "2"} }'
        )
        assert _refused(JSON, document).reason == 'values["a.b"] appears twice'

    def test_a_key_twice_deeper_in_the_event_is_refused(self) -> None:
        err = _refused(JSON, HEAD + b'"values":{},"meta":{"source":"erp","source":"pim"}}')
        assert err.reason == "meta.source appears twice"

    @pytest.mark.parametrize(
        "values",
        [
            b'{"url":"https://example.com:8443/a","note":"ratio 1:2"}',  # colons inside strings
            b'{"time":"10:00","k\\u003a":"escaped colon in a key"}',
            b'{"a":"x","b":null,"c":"\\":\\""}',
        ],
    )
    def test_colons_inside_strings_are_no_duplicate(self, values: bytes) -> None:
        assert JSON.decode_change(HEAD + b'"values":' + values + b"}", TOPIC).values == json.loads(values)

    def test_an_escaped_colon_does_not_hide_a_repeated_key(self) -> None:
        err = _refused(JSON, HEAD + b'"values":{"k:":"x","k\\u003a":"y"}}')
        assert err.reason == "values.k: appears twice"

    def test_deep_nesting_in_an_unknown_field_is_no_reason_to_refuse(self) -> None:
        deep = b"[" * 300 + b'"a:b"' + b"]" * 300  # deeper than orjson writes or the stdlib reads
        assert JSON.decode_change(HEAD + b'"x":' + deep + b',"values":{}}', TOPIC).identifier == "sku-1"

    @settings(max_examples=300)
    @given(
        values=st.dictionaries(st.text(max_size=6), st.one_of(st.none(), st.text(max_size=8)), max_size=8),
        separators=st.sampled_from([(",", ":"), (", ", ": "), (" , ", " : ")]),
        ensure_ascii=st.booleans(),
        repeat=st.booleans(),
    )
    def test_any_row_reads_back_and_any_repeated_key_is_caught(
        self, values: dict[str, str | None], separators: tuple[str, str], ensure_ascii: bool, repeat: bool
    ) -> None:
        event = {"event_id": "e", "occurred_at": 1, "identifier": "sku", "values": values}
        text = json.dumps(event, separators=separators, ensure_ascii=ensure_ascii)
        if repeat and values:
            key = next(iter(values))
            extra = json.dumps(key, ensure_ascii=ensure_ascii) + separators[1] + '"again"' + separators[0]
            text = text.replace('"values"' + separators[1] + "{", '"values"' + separators[1] + "{" + extra, 1)
            assert _refused(JSON, text.encode()).reason.endswith(" appears twice")
        else:
            assert JSON.decode_change(text.encode(), TOPIC).values == values


class TestJsonUtf8:
    def test_invalid_utf8_is_said_with_the_byte_and_its_offset(self) -> None:
        value = HEAD + b'"values":{"name":"caf\xe9"}}'
        offset = value.index(0xE9)
        assert _refused(JSON, value).reason == f"not valid UTF-8 (byte 0xe9 at offset {offset})"

    def test_a_cut_character_is_said_too(self) -> None:
        value = HEAD + b'"values":{"name":"\xc3"}}'
        assert _refused(JSON, value).reason.startswith("not valid UTF-8 (byte 0xc3 at offset ")

    def test_other_bad_json_still_says_not_json(self) -> None:
        assert _refused(JSON, b'{"event_id": ').reason.startswith("not JSON: ")


def _avro_row(entries: list[tuple[bytes, bytes | None]], more_blocks: bytes = b"") -> bytes:
    """Our layout with a hand-written values map (duplicates allowed, as any Avro writer may emit)."""
    head = encode_change(ChangeEvent("e-1", 5, "UPSERT", "sku-1", {}))[:-2]  # without the map and entity
    body = write_long(len(entries))
    for key, value in entries:
        body += write_long(len(key)) + key
        body += b"\x00" if value is None else b"\x02" + write_long(len(value)) + value
    return head + body + more_blocks + b"\x00" + b"\x00"  # the map's end, then entity PRODUCT


class TestAvro:
    def test_a_column_twice_in_the_map_is_refused_naming_it(self) -> None:
        err = _refused(AVRO, _avro_row([(b"color", b"red"), (b"name", None), (b"color", b"blue")]))
        assert (err.reason, err.identifier, err.event_id) == ("values.color appears twice", "sku-1", "e-1")

    def test_a_column_twice_across_blocks_is_refused(self) -> None:
        second = write_long(1) + write_long(1) + b"a" + b"\x00"  # another block with "a" -> null
        assert _refused(AVRO, _avro_row([(b"a", b"1")], second)).reason == "values.a appears twice"

    def test_distinct_columns_read_as_before(self) -> None:
        event = AVRO.decode_change(_avro_row([(b"a", b"1"), (b"b", None)]), TOPIC)
        assert event.values == {"a": "1", "b": None}

    def test_invalid_utf8_names_the_field_and_the_offset(self) -> None:
        row = _avro_row([(b"name", b"caf\xe9")])
        offset = row.index(0xE9)
        expected = f"text in values is not valid UTF-8 (byte 0xe9 at offset {offset})"
        assert _refused(AVRO, row).reason == expected
        good = encode_change(ChangeEvent("e-1", 5, "UPSERT", "sku\u00e9", {}))
        bad_id = good.replace(b"\xc3\xa9", b"\xe9\xe9")
        assert _refused(AVRO, bad_id).reason.startswith("identifier is not valid UTF-8 (byte 0xe9 at offset ")
