"""Accuracy and speed of free-text scrubbing on generated, labelled comments.

Prints recall per kind of personal data, false-positive rates on near misses
(dates, amounts, years, times, street numbers, postcodes, durations) and
comments per second; then the same recall and false-positive counts on the
hand-labelled lines in tests/analysis/data/scrub_labelled.yaml, which hold
the spellings the generator does not produce (no-break spaces, line breaks,
``DD.MM.YY-SSSS``, 2-3-3 phone groups, year ranges, "Hans" as a word).

Usage::

    python benchmarks/scrubbing.py [--comments 5000] [--seed 7] [--labelled PATH]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import yaml

from analysis import evaluate_scrubbing, scrub_text, synthetic_comments
from analysis.synthetic_text import PII_KINDS, LabelledComment

LABELLED = Path(__file__).resolve().parent.parent / "tests" / "analysis" / "data"
LABELLED = LABELLED / "scrub_labelled.yaml"


def load_labelled(path: Path) -> list[LabelledComment]:
    """Entries of ``text`` with ``pii`` / ``near`` lists of ``[kind, substring]``.

    A substring listed twice is matched to its occurrences left to right.
    """
    comments = []
    for entry in yaml.safe_load(path.read_text(encoding="utf-8")):
        text = entry["text"]
        spans = []
        searched_from: dict[str, int] = {}
        for kind, value in [*entry.get("pii", []), *entry.get("near", [])]:
            start = text.find(value, searched_from.get(value, 0))
            if start < 0:
                raise SystemExit(f"{path}: label {value!r} not found in {text!r}")
            searched_from[value] = start + 1
            spans.append((start, start + len(value), kind))
        comments.append(LabelledComment(text=text, spans=tuple(sorted(spans))))
    return comments


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--comments", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--labelled", type=Path, default=LABELLED)
    args = parser.parse_args()
    comments = synthetic_comments(n=args.comments, seed=args.seed)
    start = time.perf_counter()
    for comment in comments:
        scrub_text(comment.text)
    elapsed = time.perf_counter() - start
    ev = evaluate_scrubbing(comments)
    print(f"{ev.n_comments:,} generated comments (seed {args.seed})")
    for kind in ("cpr", "phone", "email", "name"):
        print(f"  {kind:<6} recall {ev.recall[kind]:7.2%} of {ev.n_true[kind]:,}")
    print(
        f"  false positives: {ev.false_positive_rate:.2%} of {ev.n_near_misses:,} near-miss "
        f"spans; {ev.clean_comments_altered:.2%} of {ev.n_clean_comments:,} comments "
        "without personal data altered"
    )
    print("  goals: CPR >= 99.5%, phone >= 99%, false positives <= 1%")
    print(f"  speed: {ev.n_comments / elapsed:,.0f} comments/s")

    labelled = load_labelled(args.labelled)
    hand = evaluate_scrubbing(labelled)
    touched = round(hand.false_positive_rate * hand.n_near_misses)
    altered = round(hand.clean_comments_altered * hand.n_clean_comments)
    print(f"{hand.n_comments:,} hand-labelled lines ({args.labelled.name})")
    for kind in PII_KINDS:
        caught = round(hand.recall[kind] * hand.n_true[kind]) if hand.n_true[kind] else 0
        print(f"  {kind:<6} recall {hand.recall[kind]:7.2%} ({caught:,} of {hand.n_true[kind]:,})")
    print(
        f"  false positives: {touched:,} of {hand.n_near_misses:,} near-miss spans touched; "
        f"{altered:,} of {hand.n_clean_comments:,} lines without personal data altered"
    )
    print("  caveat: these lines were written by the author of the scrubber")


if __name__ == "__main__":
    main()
