"""Builds models/mrz_name_bigrams.json: letter-pair counts of personal names as they stand in an
MRZ, from the first and last name lists the Faker package ships for Latin-script locales.

    .venv/bin/pip install -e '.[train]'
    .venv/bin/python -m verifier.id_docs.mrz.training.name_bigrams [--out models/mrz_name_bigrams.json]

The reader uses the counts only to break near-ties in the name field, which no check digit covers
(`KINGD?M`: O rather than C when the recogniser cannot tell them apart). Names go through the
project's ICAO transliteration, so the counts describe MRZ spellings (`OE` for Ø, `AA` for Å).
Deterministic: the same Faker version gives the same file.
"""

from __future__ import annotations

import argparse
import importlib
import itertools
import json
import pkgutil
from collections.abc import Iterable
from pathlib import Path

from verifier.id_docs.match.names import transliterate
from verifier.id_docs.mrz.layout import FILLER, LETTERS

ALPHABET = FILLER + LETTERS  # "<" first: it stands for a name's start and end
DEFAULT_OUT = Path(__file__).resolve().parents[4] / "models" / "mrz_name_bigrams.json"


def _latin_share(name: str) -> float:
    letters = [c for c in name if c.isalpha()]
    latin = [c for c in letters if ord(c) < 0x250]  # Basic Latin to Latin Extended-B
    return len(latin) / len(letters) if letters else 0.0


def faker_names() -> Iterable[str]:
    """Every first and last name in Faker's person providers whose letters are Latin."""
    import faker.providers.person as person

    for info in pkgutil.iter_modules(person.__path__):
        module = importlib.import_module(f"{person.__name__}.{info.name}")
        provider = getattr(module, "Provider", None)
        for attribute in ("first_names", "last_names", "first_names_male", "first_names_female"):
            names = getattr(provider, attribute, None)
            if not isinstance(names, (tuple, list, dict)):
                continue  # some locales derive these lists through properties
            for name in names:  # tuples, lists, or dicts of name -> weight
                if isinstance(name, str) and _latin_share(name) == 1.0:
                    yield name


def bigram_counts(names: Iterable[str]) -> dict[str, int]:
    """Counts of each letter pair, `<` standing for the start and end of a name."""
    counts: dict[str, int] = {}
    for spelling in sorted({transliterate(n) for n in names}):
        if not spelling:
            continue
        padded = f"{FILLER}{spelling}{FILLER}"
        for a, b in itertools.pairwise(padded):
            counts[a + b] = counts.get(a + b, 0) + 1
    return dict(sorted(counts.items()))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    import faker

    names = list(faker_names())
    counts = bigram_counts(names)
    document = {
        "source": f"Faker {faker.VERSION} person providers (MIT), Latin-script names",
        "alphabet": ALPHABET,
        "names": len({transliterate(n) for n in names}),
        "bigrams": counts,
    }
    args.out.write_text(json.dumps(document, indent=0, sort_keys=True) + "\n")
    print(f"{args.out}: {document['names']} distinct names, {len(counts)} letter pairs")


if __name__ == "__main__":
    main()
