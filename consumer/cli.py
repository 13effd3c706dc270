"""The `akeneo-consumer` command line: one sub-command per module in consumer.commands.

Each command module exposes ``add_arguments(parser)`` and ``run(args) -> int`` and is imported
only when chosen, so `map` never pays for Kafka or HTTP imports. Expected failures
(ConsumerError) become one line on stderr and exit 2; Ctrl-C exits 130.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from consumer import __version__
from consumer.errors import ConsumerError
from consumer.redact import scrub

# command name -> (module under consumer.commands, one-line help)
COMMANDS: dict[str, tuple[str, str]] = {
    "run": ("run", "the service: consume, map, batch, upsert, feed back, commit"),
    "map": ("map_rows", "offline: NDJSON events on stdin, one NDJSON result per line on stdout"),
    "check": ("check", "check Kafka and Akeneo with the configured credentials"),
    "catalog": ("catalog", "catalog tools (`catalog dump` prints the live Akeneo catalog)"),
    "produce": ("produce", "publish events from a .csv or .ndjson file to the input topic"),
    "feedback": ("feedback", "feedback tools (`feedback export --out FILE.csv`)"),
    "demo": ("demo", "run a local broker, the Akeneo simulator and the service on sample data"),
}


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        # One line, not argparse's usage block, as the contract asks for bad input.
        sys.stderr.write(f"akeneo-consumer: {message}\n")
        raise SystemExit(2)


def _build_parser(argv: Sequence[str]) -> argparse.ArgumentParser:
    parser = _Parser(
        prog="akeneo-consumer",
        description="Keeps an Akeneo PIM in sync with product-change events from Kafka.",
    )
    parser.add_argument("--version", action="version", version=f"akeneo-consumer {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    chosen = next((a for a in argv if not a.startswith("-")), None)
    for name, (module, help_text) in COMMANDS.items():
        cmd = sub.add_parser(name, help=help_text, description=help_text)
        if name == chosen:
            importlib.import_module(f"consumer.commands.{module}").add_arguments(cmd)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    parser = _build_parser(args_list)
    args = parser.parse_args(args_list)
    if not args.command:
        parser.print_help(sys.stderr)
        return 2
    module = importlib.import_module(f"consumer.commands.{COMMANDS[args.command][0]}")
    try:
        return int(module.run(args))
    except ConsumerError as exc:
        # Our messages carry no secret by construction; scrub() is the last line of defence.
        sys.stderr.write(f"akeneo-consumer {args.command}: {scrub(str(exc))}\n")
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 141
