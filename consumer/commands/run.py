"""`akeneo-consumer run [--config FILE]`: the service."""

from __future__ import annotations

import argparse

from consumer.config import load_settings


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", metavar="FILE", help="TOML file with settings (the environment wins)")


def run(args: argparse.Namespace) -> int:
    settings = load_settings(args.config)
    from consumer.service.runner import run_service  # Kafka and HTTP imports only for this command

    return run_service(settings)
