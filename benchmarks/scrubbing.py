"""Accuracy and speed of free-text scrubbing on generated, labelled comments.

Prints recall per kind of personal data, false-positive rates on near misses
(dates, amounts, years, times, street numbers, postcodes, durations) and
comments per second.

Usage::

    python benchmarks/scrubbing.py [--comments 5000] [--seed 7]
"""

from __future__ import annotations

import argparse
import time

from analysis import evaluate_scrubbing, scrub_text, synthetic_comments


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--comments", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=7)
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


if __name__ == "__main__":
    main()
