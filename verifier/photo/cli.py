"""`hmsverify photo PATH...`: the portrait verdict per image as a table or JSON."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from verifier.photo.annotate import draw, encode_jpeg
from verifier.photo.check import PhotoCheck, check_photo_detailed
from verifier.policy import PolicyError, default_policy, load_policy
from verifier.verdict import Status

EXIT_PASS, EXIT_NOT_PASSED, EXIT_UNUSABLE = 0, 1, 2
_STATUS_MARK = {Status.PASS: "PASS", Status.REVIEW: "REVIEW", Status.FAIL: "FAIL"}


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "photo",
        help="check portraits against the HSE-card photo rules",
        description="Checks portraits against the HSE-card photo rules. Exit code 0: all pass; "
        "1: any fails or needs review; 2: a file is missing or unreadable.",
    )
    parser.add_argument("paths", nargs="+", type=Path, metavar="PATH")
    parser.add_argument("--json", action="store_true", help="print the verdicts as JSON")
    parser.add_argument("--annotate", type=Path, metavar="DIR", help="write annotated images here")
    parser.add_argument(
        "--card-crop", type=Path, metavar="DIR", help="write the card portraits here"
    )
    parser.add_argument("--lang", choices=("nb", "en"), default="nb", help="message language")
    parser.add_argument(
        "--religious-headgear",
        action="store_true",
        help="the person declared a head covering worn for religious reasons",
    )
    parser.add_argument("--policy", type=Path, help="a policy file other than the packaged one")
    parser.set_defaults(func=run)


def _format_value(value: object) -> str:
    if isinstance(value, float):
        return f"{value:.3g}"
    return "" if value is None else str(value)


def print_table(path: Path, check: PhotoCheck, lang: str) -> None:
    verdict = check.verdict
    print(f"\n{path}: {_STATUS_MARK[verdict.status]}  (policy {verdict.policy_version})")
    rows = [
        (r.rule, _STATUS_MARK[r.status], _format_value(r.value), r.threshold, r.message(lang))
        for r in verdict.results
    ]
    headers = ("rule", "status", "value", "threshold", "message")
    widths = [max(len(h), *(len(row[i]) for row in rows)) for i, h in enumerate(headers[:4])]
    line = "  ".join(h.ljust(w) for h, w in zip(headers[:4], widths, strict=True)) + "  message"
    print(line)
    print("-" * min(len(line) + 40, 160))
    for row in rows:
        cells = "  ".join(c.ljust(w) for c, w in zip(row[:4], widths, strict=True))
        print(f"{cells}  {row[4]}")


def _write_outputs(path: Path, check: PhotoCheck, args: argparse.Namespace) -> None:
    if args.annotate is not None:
        canvas = draw(check)
        if canvas is not None:
            args.annotate.mkdir(parents=True, exist_ok=True)
            (args.annotate / f"{path.stem}.annotated.jpg").write_bytes(encode_jpeg(canvas))
    if args.card_crop is not None:
        crop = check.verdict.card_crop_jpeg()
        if crop is not None:
            args.card_crop.mkdir(parents=True, exist_ok=True)
            (args.card_crop / f"{path.stem}.card.jpg").write_bytes(crop)


def run(args: argparse.Namespace) -> int:
    try:
        policy = load_policy(args.policy) if args.policy else default_policy()
    except PolicyError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_UNUSABLE
    paths: list[Path] = args.paths
    progress = None
    if len(paths) > 3 and not args.json and sys.stderr.isatty():
        from tqdm import tqdm

        progress = tqdm(total=len(paths), unit="image", file=sys.stderr)
    outcomes: dict[str, int] = {"pass": 0, "review": 0, "fail": 0, "unusable": 0}
    verdicts: list[dict[str, Any]] = []
    for path in paths:
        try:
            data = path.read_bytes()
        except OSError as error:
            outcomes["unusable"] += 1
            message = f"cannot read {path}: {error.strerror or error}"
            if args.json:
                verdicts.append({"path": str(path), "error": message})
            else:
                print(f"\n{path}: UNUSABLE  {message}")
            continue
        check = check_photo_detailed(
            data, policy=policy, religious_headgear_declared=args.religious_headgear
        )
        if check.verdict.unreadable_code is not None:
            outcomes["unusable"] += 1
        else:
            outcomes[str(check.verdict.status)] += 1
        _write_outputs(path, check, args)
        if args.json:
            verdicts.append({"path": str(path), **check.verdict.to_dict()})
        else:
            if progress is not None:
                progress.clear()
            print_table(path, check, args.lang)
        if progress is not None:
            progress.update(1)
    if progress is not None:
        progress.close()
    if args.json:
        print(json.dumps(verdicts if len(paths) > 1 else verdicts[0], indent=2, ensure_ascii=False))
    else:
        print(
            f"\n{len(paths)} image(s): {outcomes['pass']} pass, {outcomes['review']} review, "
            f"{outcomes['fail']} fail, {outcomes['unusable']} unusable"
        )
    if outcomes["unusable"]:
        return EXIT_UNUSABLE
    return EXIT_NOT_PASSED if outcomes["review"] or outcomes["fail"] else EXIT_PASS
