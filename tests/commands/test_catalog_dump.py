"""`akeneo-consumer catalog dump` against the Akeneo simulator, and the round trip into `map --catalog`."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import orjson

from consumer.catalog import Catalog
from consumer.devstack.akeneo_sim import DEFAULT_CREDENTIALS, AkeneoSimulator, load_sample_catalog
from consumer.devstack.sample_data import sample_events
from consumer.mapping import Mapper, MappingOptions

from . import cli_support
from .cli_support import akeneo_env, run_cli

akeneo_sim = cli_support.akeneo_sim
CONTRACT_KEYS = {
    "attributes", "attribute_options", "channels", "locales", "currencies", "measurement_families",
}


def _without_links(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{k: v for k, v in item.items() if k != "_links"} for item in items]


def test_dump_to_file_is_the_live_catalog_and_map_reads_it(
    akeneo_sim: AkeneoSimulator, tmp_path: Path
) -> None:
    out = tmp_path / "catalog.json"
    result = run_cli("catalog", "dump", "--out", str(out), env=akeneo_env(akeneo_sim))

    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
    dumped = json.loads(out.read_text())
    served = load_sample_catalog()
    assert dumped.keys() >= CONTRACT_KEYS
    for key in CONTRACT_KEYS - {"attribute_options"}:
        assert _without_links(dumped[key]) == served[key], key  # Akeneo's items, unchanged
    assert {code: _without_links(opts) for code, opts in dumped["attribute_options"].items()} == (
        served["attribute_options"]
    )
    variants = {family: _without_links(items) for family, items in dumped["family_variants"].items()}
    assert variants == served["family_variants"]  # what `map` needs for product models and variants
    summary = Catalog.from_json(served).summary()
    assert f"catalog written to {out}: {summary['attributes']} attributes" in result.stderr

    # The dump is what `map --catalog` reads: it maps exactly as the catalog it came from.
    good, bad = [
        # the sample's price@currency / weight@unit placeholder columns left out: not this test's concern
        dataclasses.replace(e, values={k: v for k, v in e.values.items() if "@" not in k})
        for e in sample_events(2, seed=7, invalid_every=0)
    ]
    bad = dataclasses.replace(bad, values={**bad.values, "maximum_print_size": "no_such_option"})
    lines = [orjson.dumps(dataclasses.asdict(event)) for event in (good, bad)]
    mapped = subprocess.run(
        [sys.executable, "-m", "consumer", "map", "--catalog", str(out)],
        input=b"\n".join(lines) + b"\n", capture_output=True, timeout=60, check=True,
    )
    results = [json.loads(line) for line in mapped.stdout.splitlines()]
    expected = Mapper(Catalog.from_json(served), MappingOptions()).map(good.identifier, good.values)
    assert expected.payload is not None
    assert results[0] == {"identifier": good.identifier, "event_id": good.event_id, "status": "OK",
                          "payload": json.loads(orjson.dumps(expected.payload))}
    assert results[1]["status"] == "REJECTED"
    assert [e["attribute"] for e in results[1]["errors"]] == ["maximum_print_size"]


def test_dump_to_stdout(akeneo_sim: AkeneoSimulator) -> None:
    result = run_cli("catalog", "dump", env=akeneo_env(akeneo_sim))
    assert result.returncode == 0, result.stderr
    dumped = json.loads(result.stdout)
    assert dumped.keys() >= CONTRACT_KEYS
    assert Catalog.from_json(dumped).summary() == Catalog.from_json(load_sample_catalog()).summary()


def test_refused_credentials_leave_the_previous_file_and_no_secret(
    akeneo_sim: AkeneoSimulator, tmp_path: Path
) -> None:
    out = tmp_path / "catalog.json"
    out.write_text('{"previous": true}')
    wrong = "n0t-the-Pa55word"
    result = run_cli("catalog", "dump", "--out", str(out), env=akeneo_env(akeneo_sim, AKENEO_PASSWORD=wrong))

    assert result.returncode == 2
    [line] = result.stderr.splitlines()
    assert line.startswith(
        f"akeneo-consumer catalog: cannot load the catalog from Akeneo at {akeneo_sim.base_url}"
    )
    assert wrong not in line and DEFAULT_CREDENTIALS[0].secret not in line
    assert out.read_text() == '{"previous": true}'
    assert [p.name for p in tmp_path.iterdir()] == ["catalog.json"]  # no temporary file left behind


def test_unreachable_akeneo_and_usage_errors_are_one_line(tmp_path: Path) -> None:
    with AkeneoSimulator() as stopped:
        env = akeneo_env(stopped)  # nothing listens there once it has stopped
    result = run_cli("catalog", "dump", env=env)
    assert result.returncode == 2
    assert len(result.stderr.splitlines()) == 1 and "cannot load the catalog" in result.stderr

    result = run_cli("catalog", env={})
    assert (result.returncode, result.stderr) == (2, "akeneo-consumer: the following arguments are required: "
                                                     "SUBCOMMAND\n")
