"""Free-text scrubbing of CPR numbers, phone numbers, e-mail addresses and names."""

from __future__ import annotations

import pytest

from analysis import evaluate_scrubbing, find_pii, scrub_text, synthetic_comments

PII = {"cpr", "phone", "email", "name"}


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
