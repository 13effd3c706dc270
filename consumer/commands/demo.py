"""`akeneo-consumer demo`: broker, Akeneo simulator and the service on sample data; prints a summary."""

from __future__ import annotations

import argparse

from consumer.errors import ConfigError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--events", type=int, default=2000, help="sample product changes to stream (2000)")


def run(args: argparse.Namespace) -> int:
    from consumer.devstack.demo import run_demo

    if args.events < 1:
        raise ConfigError("--events must be at least 1")
    result = run_demo(args.events)
    return 0 if result.complete else 1
