"""Free-text scrubbing of CPR numbers, phone numbers, e-mail addresses and names."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest
import yaml

from analysis import evaluate_scrubbing, find_pii, scrub_text, synthetic_comments
from analysis.synthetic_text import LabelledComment

PII = {"cpr", "phone", "email", "name"}
LABELLED = Path(__file__).parent / "data" / "scrub_labelled.yaml"


def load_labelled(path: Path = LABELLED) -> list[LabelledComment]:
    """The hand-labelled lines, with each labelled substring turned into a span.

    Labels are written as substrings rather than offsets so that the file can
    be read and extended by hand; a label that is not in its line is an error
    in the file and fails loudly here.
    """
    comments = []
    for entry in yaml.safe_load(path.read_text(encoding="utf-8")):
        text = entry["text"]
        spans: list[tuple[int, int, str]] = []
        # A value listed twice is matched to its occurrences left to right.
        searched_from: dict[str, int] = {}
        pii, near = entry.get("pii", []), entry.get("near", [])
        assert all(kind in PII for kind, _ in pii), f"pii kind not in {PII}: {text!r}"
        assert not any(kind in PII for kind, _ in near), f"near kind is pii: {text!r}"
        for kind, value in [*pii, *near]:
            start = text.find(value, searched_from.get(value, 0))
            assert start >= 0, f"label {value!r} not found in {text!r}"
            searched_from[value] = start + 1
            spans.append((start, start + len(value), kind))
        comments.append(LabelledComment(text=text, spans=tuple(sorted(spans))))
    return comments


@pytest.fixture(scope="module")
def labelled() -> list[LabelledComment]:
    return load_labelled()


@pytest.fixture(scope="module")
def comments():
    return synthetic_comments(n=1500, seed=2024)


def test_recall_and_false_positives_on_labelled_comments(comments) -> None:
    # Counted here with plain loops, independently of evaluate_scrubbing.
    caught = {k: 0 for k in PII}
    total = {k: 0 for k in PII}
    near = touched = clean = clean_hit = 0
    for comment in comments:
        spans = find_pii(comment.text)
        scrubbed = scrub_text(comment.text)
        has_pii = False
        for start, end, kind in comment.spans:
            value = comment.text[start:end]
            if kind in PII:
                has_pii = True
                total[kind] += 1
                covered = any(s.start <= start and s.end >= end for s in spans)
                caught[kind] += covered
                if covered and kind != "name":
                    assert value not in scrubbed
            else:
                near += 1
                touched += any(s.start < end and s.end > start for s in spans)
        if not has_pii:
            clean += 1
            clean_hit += scrubbed != comment.text
    recall = {k: caught[k] / total[k] for k in PII}
    fp_spans = touched / near
    fp_comments = clean_hit / clean
    print(
        f"\nscrubbing, {len(comments)} comments: "
        + ", ".join(f"{k} recall {recall[k]:.2%} ({caught[k]}/{total[k]})" for k in sorted(PII))
        + f"; false positives {fp_spans:.2%} of {near} near-miss spans, "
        f"{fp_comments:.2%} of {clean} comments without personal data"
    )
    assert len(comments) >= 1000
    assert total["cpr"] >= 200 and total["phone"] >= 200 and near >= 1000
    assert recall["cpr"] >= 0.995
    assert recall["phone"] >= 0.99
    assert recall["email"] >= 0.99
    assert fp_spans <= 0.01
    assert fp_comments <= 0.01
    summary = evaluate_scrubbing(comments)
    assert summary.recall["cpr"] == pytest.approx(recall["cpr"])
    assert summary.false_positive_rate == pytest.approx(fp_spans)


@pytest.mark.parametrize(
    "text",
    [
        "cpr 010190-1234",  # fails modulus 11; still a CPR number
        "cpr 0101901234",
        "mit nr er 311299 4321.",
        "(cpr.nr.290272-1113)",
        "erstatningsnummer 610190-1234",
    ],
)
def test_cpr_numbers_with_and_without_dash_are_masked(text: str) -> None:
    assert "[CPR]" in scrub_text(text)
    assert not any(ch.isdigit() for ch in scrub_text(text).replace("[CPR]", ""))


@pytest.mark.parametrize(
    "number",
    [
        "22345678",
        "22 34 56 78",
        "2234 5678",
        "22-34-56-78",
        "22.34.56.78",
        "+45 22 34 56 78",
        "+4522345678",
        "0045 2234 5678",
        "(+45) 22345678",
        "+45-22-34-56-78",
        "223 45 678",
        "004522345678",
    ],
)
def test_phone_numbers_in_every_common_grouping(number: str) -> None:
    assert scrub_text(f"Ring på {number} i morgen") == "Ring på [PHONE] i morgen"


@pytest.mark.parametrize(
    "text",
    [
        "Kontrol den 12.03.2023 kl. 14.30.",
        "Det kostede 12.500.000 kr. i alt.",
        "Regningen var på 25000000 kr",
        "Vi var der i 2022-2023 og igen 2024.",
        "Adressen er Vestergade 12, 8000 Aarhus C.",
        "Jeg bor på Jens Baggesens Vej 41.",
        "Tiden var 2023-03-12 kl 08:15-09:15.",
        "Født 24122023 ifølge brevet",
        "Jeg ventede 3-4 uger og betalte kr. 350,-",
        "Henvisning 12/3-2023, svar 1.250 kroner",
    ],
)
def test_near_misses_are_left_alone(text: str) -> None:
    assert scrub_text(text) == text


def test_email_and_names() -> None:
    text = "Skriv til anne.hansen@gmail.com eller spørg sygeplejersken Mette Holm."
    assert scrub_text(text) == "Skriv til [EMAIL] eller spørg sygeplejersken [NAME]."
    assert scrub_text("Tak til Dr. Østergaard") == "Tak til Dr. [NAME]"


def test_spans_report_kinds_in_text_order() -> None:
    text = "cpr 010190-1234, tlf 22 34 56 78, mail a@b.dk"
    assert [s.kind for s in find_pii(text)] == ["cpr", "phone", "email"]


def _measure(comments: Sequence[LabelledComment]) -> tuple[dict, dict, list[str], list[str]]:
    """Caught and total per kind, plus readable lists of misses and false alarms.

    Counted with plain loops so that the figures do not rest on
    evaluate_scrubbing, which is checked against them separately.
    """
    caught = dict.fromkeys(sorted(PII), 0)
    total = dict.fromkeys(sorted(PII), 0)
    missed: list[str] = []
    false_alarms: list[str] = []
    for comment in comments:
        found = find_pii(comment.text)
        scrubbed = scrub_text(comment.text)
        for start, end, kind in comment.spans:
            value = comment.text[start:end]
            if kind in PII:
                total[kind] += 1
                covered = any(f.start <= start and f.end >= end for f in found)
                caught[kind] += covered
                if not covered:
                    missed.append(f"{kind} {value!r} in {comment.text!r}")
                elif kind != "name":
                    assert value not in scrubbed
            elif any(f.start < end and f.end > start for f in found):
                false_alarms.append(f"{kind} {value!r} in {comment.text!r}")
        if not comment.has_pii and scrubbed != comment.text:
            false_alarms.append(f"negative line changed to {scrubbed!r}")
    return caught, total, missed, false_alarms


def test_hand_labelled_set_covers_every_spelling(labelled) -> None:
    n_negative = sum(not c.has_pii for c in labelled)
    kinds = [kind for c in labelled for _, _, kind in c.spans]
    assert len(labelled) >= 150
    assert n_negative >= 70
    assert kinds.count("cpr") >= 30 and kinds.count("phone") >= 40
    assert kinds.count("year") >= 10 and kinds.count("word") >= 15
    texts = "".join(c.text for c in labelled)
    # The spellings this set exists for must actually be in it.
    for needle in ("\u00a0", "\n", "\u2011", "–", "/"):
        assert needle in texts


def test_recall_and_false_positives_on_hand_labelled_lines(labelled) -> None:
    caught, total, missed, false_alarms = _measure(labelled)
    near = sum(kind not in PII for c in labelled for _, _, kind in c.spans)
    negatives = sum(not c.has_pii for c in labelled)
    print(
        f"\nscrubbing, {len(labelled)} hand-labelled lines: "
        + ", ".join(
            f"{k} recall {caught[k] / total[k]:.2%} ({caught[k]}/{total[k]})" for k in total
        )
        + f"; {len(false_alarms)} false positives on {near} near-miss spans "
        f"and {negatives} lines without personal data"
    )
    assert not missed, "missed:\n" + "\n".join(missed)
    assert not false_alarms, "false positives:\n" + "\n".join(false_alarms)
    assert caught == total
    summary = evaluate_scrubbing(labelled)
    assert summary.recall == {k: 1.0 for k in PII}
    assert summary.false_positive_rate == 0.0
    assert summary.clean_comments_altered == 0.0


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("cpr 010190/1234", "cpr [CPR]"),
        ("cpr 01.01.90-1234", "cpr [CPR]"),
        ("cpr 010190\u00a01234", "cpr [CPR]"),
        ("cpr 010190-\n1234", "cpr [CPR]"),
        ("tlf 20 123 456", "tlf [PHONE]"),
        ("tlf +45 20 123 456", "tlf [PHONE]"),
        ("tlf 0045 20\u00a0123\u00a0456", "tlf [PHONE]"),
        ("tlf 22\u00a034\u00a056\u00a078", "tlf [PHONE]"),
        ("Syg 2010-2022.", "Syg 2010-2022."),
        ("Hans læge ringede.", "Hans læge ringede."),
        ("Hans Jensen ringede.", "[NAME] ringede."),
        ("Tak til Hans.", "Tak til [NAME]."),
    ],
)
def test_spellings_added_in_this_revision(text: str, expected: str) -> None:
    assert scrub_text(text) == expected
