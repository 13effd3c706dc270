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
