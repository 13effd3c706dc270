from __future__ import annotations

import json
import logging

from consumer.logs import JsonFormatter


def test_log_lines_are_json_with_extras_and_secrets_masked() -> None:
    formatter = JsonFormatter(secrets=["hunter2-pass"])
    record = logging.LogRecord("svc", logging.WARNING, "f", 1, "login as %s failed", ("hunter2-pass",), None)
    record.partition = 3
    line = json.loads(formatter.format(record))
    assert line["level"] == "WARNING"
    assert line["msg"] == "login as *** failed"
    assert line["partition"] == 3
    assert line["ts"].endswith("Z")


def test_credentials_in_any_text_are_scrubbed_by_their_shape() -> None:
    formatter = JsonFormatter()
    record = logging.LogRecord(
        "svc", logging.ERROR, "f", 1, "Akeneo said: %s", ("Authorization: Bearer abcdef123456",), None
    )
    record.url = "https://key:secret@registry.example.com"
    line = json.loads(formatter.format(record))
    assert line["msg"] == "Akeneo said: Authorization: ***"
    assert line["url"] == "https://***@registry.example.com"
