"""`akeneo-consumer catalog dump [--out FILE]`: the live Akeneo catalog as catalog JSON.

The output is what `map --catalog FILE` reads: Akeneo's list items, unchanged, under the
contract's keys (plus families, categories, groups and association types where the PIM has
them). With ``--out`` the file is replaced only once the whole catalog is read and written.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import orjson

from consumer.commands.output_files import replacing
from consumer.config import load_settings
from consumer.errors import ConsumerError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="catalog_command", metavar="SUBCOMMAND", required=True)
    dump = sub.add_parser("dump", help="print the live Akeneo catalog as catalog JSON",
                          description="print the live Akeneo catalog as catalog JSON")
    dump.add_argument("--out", metavar="FILE", help="write to FILE instead of stdout")
    dump.add_argument("--config", metavar="FILE", help="TOML file with settings (the environment wins)")


def dump(args: argparse.Namespace) -> int:
    settings = load_settings(args.config)
    from consumer.clients import load_startup_catalog  # HTTP imports only for this command

    catalog = load_startup_catalog(settings)
    data = orjson.dumps(catalog.to_json(), option=orjson.OPT_INDENT_2) + b"\n"
    if args.out:
        with replacing(Path(args.out)) as temp:
            temp.write_bytes(data)
        sizes = ", ".join(f"{count} {key.replace('_', ' ')}" for key, count in catalog.summary().items())
        sys.stderr.write(f"catalog written to {args.out}: {sizes}\n")
    else:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    return 0


def run(args: argparse.Namespace) -> int:
    if args.catalog_command == "dump":
        return dump(args)
    raise ConsumerError(f"unknown catalog command {args.catalog_command!r}")
