"""The command line every corpus bench script shares: the corpus folder and where to write the
figures as JSON."""

from __future__ import annotations

import argparse
from pathlib import Path


def corpus_parser(doc: str | None, *, json_output: bool = True) -> argparse.ArgumentParser:
    """A parser with the script's docstring as its help, `--corpus` (required) and, unless
    `json_output` is False, `--json`. Scripts add their own options to it."""
    parser = argparse.ArgumentParser(
        description=doc, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--corpus", type=Path, required=True, help="folder with manifest.csv")
    if json_output:
        parser.add_argument("--json", type=Path, help="write the figures as JSON here")
    return parser
