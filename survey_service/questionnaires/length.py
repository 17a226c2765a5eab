"""How long a questionnaire takes: items shown, words read, estimated minutes.

Pure functions over the model, so the survey page's time claim and
``scripts/questionnaire_length.py`` compute the same figure from the same
file, and nobody writes a time into an intro by hand.

The estimate is ``words / READING_WPM + items * SECONDS_PER_ANSWER / 60``:

* ``READING_WPM = 200``: adults read continuous prose silently at about 240
  words a minute; on a phone, with short lines and scrolling, reading is some
  20-30 % slower, and a patient reads each question, so 200 is used.
* ``SECONDS_PER_ANSWER = 2``: choosing an option and tapping it, on top of
  reading it. A written comment takes longer, but comments are optional and
  the estimate is for a patient who answers the questions, not an essay.

Words are counted (whitespace-separated) in the questionnaire's intro, section
titles and help, and each shown item's text, help and answer options. An
answer scale whose options read exactly like a scale already shown on the page
counts once: a patient reads "Completely agree .. Completely disagree" the first
time and recognises it after that.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from survey_service.questionnaires.model import Item, Questionnaire, Text

READING_WPM = 200
SECONDS_PER_ANSWER = 2.0

TextOf = Callable[[Text], str]


@dataclass(frozen=True)
class Length:
    """What one patient's form asks of them."""

    items: int
    words: int

    @property
    def minutes(self) -> float:
        return self.words / READING_WPM + self.items * SECONDS_PER_ANSWER / 60


def text_in_file(language: str) -> TextOf:
    """Text in ``language`` as written in the file, English where it has none."""
    return lambda text: text.get(language) or text.get("en") or ""


def form_length(form: Questionnaire, text: TextOf, *, conditional: bool) -> Length:
    """The length of one patient's ``form`` (a questionnaire without rotation, or
    :meth:`Questionnaire.form`'s result).

    ``conditional=False``: items behind a skip condition are left out (the
    patient answered no to the screen); ``True``: every one is shown (the
    most a patient can be asked).
    """
    if form.rotation:
        raise ValueError(f"{form.key} rotates modules: measure form(module), not the whole")
    words = _words(text(form.intro)) if form.intro else 0
    scales: set[tuple[str, ...]] = set()
    items = 0
    for section in form.sections:
        shown = [i for i in section.items if conditional or i.show_if is None]
        if not shown:
            continue
        words += _words(text(section.title)) + (_words(text(section.help)) if section.help else 0)
        for item in shown:
            items += 1
            words += _item_words(item, text, scales)
    return Length(items=items, words=words)


def forms(questionnaire: Questionnaire) -> Iterable[tuple[str, float, Questionnaire]]:
    """(module key, share of patients, form) for each form patients can get."""
    if not questionnaire.rotation:
        yield "", 1.0, questionnaire
        return
    for module in questionnaire.rotation:
        yield module.key, module.weight, questionnaire.form(module.key)


def claimed_minutes(form: Questionnaire, text: TextOf) -> int:
    """The page's "It takes about N minutes": this form, no follow-up items, rounded up."""
    return max(1, math.ceil(form_length(form, text, conditional=False).minutes))


def _item_words(item: Item, text: TextOf, scales: set[tuple[str, ...]]) -> int:
    words = _words(text(item.text)) + (_words(text(item.help)) if item.help else 0)
    if item.type in ("free_text", "number"):
        return words
    if item.type == "nps":
        return words + 2  # the 0..10 row and its two end labels read as a glance
    scale = tuple(text(o.text) for o in item.options)
    if scale not in scales:
        scales.add(scale)
        words += sum(_words(t) for t in scale)
    return words


def _words(text: str) -> int:
    return len(text.split())


@dataclass(frozen=True)
class Patients:
    """Items and minutes over a questionnaire's patients: median and max."""

    median_items: float
    max_items: int
    median_words: float
    max_words: int
    median_minutes: float
    max_minutes: float


def over_patients(questionnaire: Questionnaire, text: TextOf, contact_share: float) -> Patients:
    """Weighted median and max over the rotation and the share who screen yes.

    A patient who screens yes is counted with every follow-up shown (an upper
    bound: most have contact with one sector, not all four).
    """
    if not 0 <= contact_share <= 1:
        raise ValueError("contact_share must be within 0..1")
    cases: list[tuple[float, Length]] = []
    for _key, share, form in forms(questionnaire):
        without = form_length(form, text, conditional=False)
        with_all = form_length(form, text, conditional=True)
        if with_all == without:
            cases.append((share, without))
        else:
            cases.append((share * (1 - contact_share), without))
            cases.append((share * contact_share, with_all))
    # A case no patient falls into (a share of 0) is not part of the maximum.
    cases = [(w, c) for w, c in cases if w > 0]
    return Patients(
        median_items=_weighted_median([(w, c.items) for w, c in cases]),
        max_items=max(c.items for _, c in cases),
        median_words=_weighted_median([(w, c.words) for w, c in cases]),
        max_words=max(c.words for _, c in cases),
        median_minutes=_weighted_median([(w, c.minutes) for w, c in cases]),
        max_minutes=max(c.minutes for _, c in cases),
    )


def _weighted_median(cases: list[tuple[float, float]]) -> float:
    """The value at which half the patients' weight lies below (the lower median)."""
    total = sum(w for w, _ in cases)
    running = 0.0
    for weight, value in sorted(cases, key=lambda c: c[1]):
        running += weight
        if running >= total / 2 - 1e-12:
            return value
    raise ValueError("no patients")


def answers_needed(weight: float, minimum: int = 10, confidence: float = 0.9) -> int:
    """Responses a unit needs in a period so that a module of ``weight`` gets at
    least ``minimum`` answers with probability ``confidence`` (binomial)."""
    if not 0 < weight <= 1:
        raise ValueError("weight must be within (0, 1]")
    n = minimum
    while _binomial_at_least(n, weight, minimum) < confidence:
        n += 1
    return n


def _binomial_at_least(n: int, p: float, k: int) -> float:
    below = sum(math.comb(n, i) * p**i * (1 - p) ** (n - i) for i in range(k))
    return 1 - below
