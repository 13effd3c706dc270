"""`helm template` through Helm's own engine: the helm-python-sdk wheel carries Helm v4's Go SDK,
so rendering, values coalescing and the values.schema.json check are Helm's, with no binary.

    python tests/chart/helm_template.py [-f values.yaml]... [--release NAME] [--namespace NS] CHART

prints the manifests (each after a ``# Source:`` line, as `helm template` does) on stdout and
NOTES.txt on stderr; a chart or values Helm refuses is ``Error: <Helm's message>`` and exit 1.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import helm_python

NOTES = "NOTES.txt"


def merge_values(*layers: dict[str, Any]) -> dict[str, Any]:
    """Several ``-f`` files as the Helm CLI combines them (pkg/cli/values mergeMaps): maps merge
    key by key, anything else in a later file replaces the earlier value."""
    merged: dict[str, Any] = {}
    for layer in layers:
        merged = _merge_maps(merged, layer)
    return merged


def _merge_maps(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge_maps(out[key], value)
        else:
            out[key] = value
    return out


def read_values(text: str) -> dict[str, Any]:
    """A values file read by Helm's own reader (numbers become float64, as with ``-f``)."""
    return helm_python.values_from_yaml(text)


def template(chart: Path, values: dict[str, Any], release: str, namespace: str) -> dict[str, str]:
    """The chart's rendered files by template path, NOTES.txt included, as ``helm install`` would
    render them; raises Helm's own errors (HelmValuesError, HelmRenderError, HelmInvalidArgError)."""
    helm_python.validate_release_name(release)
    with helm_python.Chart.load(chart) as loaded:
        return loaded.render(values, name=release, namespace=namespace, is_install=True)


def split_notes(rendered: dict[str, str]) -> tuple[dict[str, str], str]:
    """(the manifests' files, NOTES.txt), dropping files that rendered to nothing."""
    notes = "".join(text for path, text in rendered.items() if path.endswith(f"/{NOTES}"))
    files = {p: t for p, t in rendered.items() if not p.endswith(f"/{NOTES}") and t.strip()}
    return files, notes


def _stream(files: dict[str, str]) -> str:
    return "".join(f"---\n# Source: {path}\n{text.strip()}\n" for path, text in sorted(files.items()))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="helm template, through Helm's own Go SDK")
    parser.add_argument("-f", "--values", action="append", default=[], type=Path, help="values file")
    parser.add_argument("--release", default="release-name")
    parser.add_argument("--namespace", default="default")
    parser.add_argument("chart", type=Path)
    args = parser.parse_args(argv)
    try:
        values = merge_values(*(read_values(path.read_text()) for path in args.values))
        files, notes = split_notes(template(args.chart, values, args.release, args.namespace))
    except (helm_python.HelmError, OSError) as exc:
        print(f"Error: {exc}", file=sys.stderr)
        return 1
    sys.stdout.write(_stream(files))
    sys.stderr.write(notes)
    return 0


if __name__ == "__main__":
    sys.exit(main())
