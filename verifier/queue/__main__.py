"""`python -m verifier.queue worker|recheck`: the queue commands without the hmsverify CLI."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from verifier.queue.cli import register


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m verifier.queue")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
