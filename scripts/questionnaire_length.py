"""How long each published questionnaire takes a patient, from the files themselves.

    python scripts/questionnaire_length.py [--directory D] [--contact-share 0.3] [--language da]

Per published questionnaire: items shown per patient (median and max over the
rotating modules, with ``--contact-share`` of patients screening yes and then
seeing every follow-up), words and estimated minutes (reading speed and seconds
per answer: survey_service/questionnaires/length.py), and for a split
questionnaire each module's share and the responses a practice needs per period
for that module to reach 10 answers (9 times in 10). Exits 1 when the newest
published version of a questionnaire has a median above 3 minutes, 2 on bad input.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from survey_service.questionnaires.length import (
    READING_WPM,
    SECONDS_PER_ANSWER,
    answers_needed,
    form_length,
    forms,
    over_patients,
    text_in_file,
)
from survey_service.questionnaires.loader import Catalogue, QuestionnaireError, load_catalogue
from survey_service.questionnaires.model import FILE_LANGUAGES

#: Share of GP patients who had contact with another sector about the same
#: problem in the last 3 months. An assumption to check against the first
#: period's answers to the screening item; 0.3 errs on the long side.
CONTACT_SHARE = 0.3
GOAL_MINUTES = 3.0
MINIMUM_ANSWERS = 10


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--directory", type=Path, default=None)
    parser.add_argument("--contact-share", type=float, default=CONTACT_SHARE)
    parser.add_argument("--language", choices=FILE_LANGUAGES, help="default: each file language")
    args = parser.parse_args(argv)
    if not 0 <= args.contact_share <= 1:
        print("questionnaire_length: --contact-share must be within 0..1", file=sys.stderr)
        return 2
    try:
        catalogue = load_catalogue(args.directory)
    except QuestionnaireError as exc:
        print(f"questionnaire_length: {exc.problems[0]}", file=sys.stderr)
        return 2
    too_long: list[str] = []
    for language in [args.language] if args.language else FILE_LANGUAGES:
        too_long += report(catalogue, language, args.contact_share)
    if too_long:
        print(f"over {GOAL_MINUTES:g} minutes (median): {', '.join(too_long)}", file=sys.stderr)
        return 1
    return 0


def report(catalogue: Catalogue, language: str, contact_share: float) -> list[str]:
    """Print one language's figures; the current versions over the goal."""
    text = text_in_file(language)
    print(
        f"[{language}] reading {READING_WPM} words/minute, {SECONDS_PER_ANSWER:g} s per answer, "
        f"{contact_share:.0%} screen yes"
    )
    too_long: list[str] = []
    for q in catalogue.questionnaires():
        if not q.published:
            continue
        current = catalogue.latest(q.slug) is q
        p = over_patients(q, text, contact_share)
        print(
            f"{q.key}{' (current)' if current else ''}: items median {p.median_items:g} "
            f"max {p.max_items}; words median {p.median_words:g} max {p.max_words}; "
            f"minutes median {p.median_minutes:.1f} max {p.max_minutes:.1f}"
        )
        for key, share, form in forms(q):
            if not key:
                continue
            base = form_length(form, text, conditional=False)
            print(
                f"  module {key}: {share:.0%} of patients, {base.items} items, "
                f"{base.minutes:.1f} min; a practice needs {answers_needed(share)} responses "
                f"per period for {MINIMUM_ANSWERS} answers to it (9 times in 10)"
            )
        if current and p.median_minutes > GOAL_MINUTES:
            too_long.append(f"{q.key} ({language})")
    return too_long


if __name__ == "__main__":
    sys.exit(main())
