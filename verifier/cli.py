"""The `hmsverify` command: each area registers its own subcommands."""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys

# Areas that add subcommands, each a module with `register(subparsers)`.
COMMAND_MODULES = (
    "verifier.photo.cli",  # photo
    "verifier.id_docs.cli",  # id
    "verifier.queue.cli",  # worker, recheck
    "portal.cli",  # serve, demo
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="hmsverify", description="HSE-card photo and identity-document verification"
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module_name in COMMAND_MODULES:
        importlib.import_module(module_name).register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    # MediaPipe/TFLite log to stderr from C++; keep the CLI's output readable.
    os.environ.setdefault("GLOG_minloglevel", "2")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    logging.basicConfig(level=os.environ.get("HMSVERIFY_LOG_LEVEL", "WARNING"))
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    result = args.func(args)
    return int(result or 0)


if __name__ == "__main__":
    sys.exit(main())
