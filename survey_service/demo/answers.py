"""Synthetic but realistic answers for the demo.

Each patient has a latent experience (unit effect + case-mix effects + noise);
every item is answered from it according to its type, so practices differ,
older and healthier patients answer more positively (as in real surveys), and
adjustment has something to correct. Answers follow the questionnaire's skip
logic and leave some items blank, as patients do.
"""

from __future__ import annotations

import numpy as np

from survey_service.demo.region import DemoUnit
from survey_service.questionnaires.answers import is_shown
from survey_service.questionnaires.model import Item, Questionnaire

AGE_BANDS = ("18-34", "35-49", "50-64", "65-74", "75+")
HEALTH = ("excellent", "very_good", "good", "fair", "poor")
EDUCATION = (
    "basic",
    "upper_secondary",
    "vocational",
    "short_higher",
    "medium_higher",
    "long_higher",
)

COMMENTS = {
    "da": [
        "Venligt personale og god tid til mine spørgsmål.",
        "Svært at komme igennem på telefonen om morgenen.",
        "Lægen forklarede tingene, så jeg forstod dem.",
        "Jeg ville gerne have haft noget skriftligt med hjem.",
        "Hospitalet og lægen vidste ikke, hvad den anden havde gjort.",
        "Ring gerne til mig på 20 30 40 50 hvis I har spørgsmål.",
    ],
    "en": [
        "Friendly staff and time for my questions.",
        "Hard to get through on the phone in the morning.",
        "I would have liked something in writing to take home.",
    ],
}


def patient(rng: np.random.Generator, unit: DemoUnit) -> dict[str, str | float]:
    """One patient's background and latent experience."""
    old = rng.random() < unit.older
    age = rng.choice(AGE_BANDS[3:]) if old else rng.choice(AGE_BANDS[:3])
    health_shift = unit.sicker + (0.5 if old else 0.0)
    general = HEALTH[int(np.clip(round(rng.normal(1.6 + health_shift, 1.0)), 0, 4))]
    mental = HEALTH[int(np.clip(round(rng.normal(1.4 + unit.sicker, 1.0)), 0, 4))]
    language = "en" if rng.random() < 0.08 else "da"
    return {
        "age_band": str(age),
        "sex": str(rng.choice(["female", "male"], p=[0.55, 0.45])),
        "general_health": general,
        "mental_health": mental,
        "education": str(rng.choice(EDUCATION)),
        "language": language,
        "older": 1.0 if old else 0.0,
        "health": float(HEALTH.index(general)),
    }


def answer_all(
    rng: np.random.Generator, q: Questionnaire, person: dict, unit_effect: float
) -> dict[str, str]:
    latent = unit_effect + 0.35 * float(person["older"]) - 0.25 * float(person["health"])
    # Items that open follow-up questions ("were you in contact with ...?")
    # are answered from the case mix, not from satisfaction.
    gates = {i.show_if.item for i in q.items if i.show_if}
    values: dict[str, str] = {}
    for item in q.items:
        if not is_shown(item, values) or rng.random() < 0.06:
            continue
        if item.id in gates and item.type == "yes_no_na":
            met = rng.random() < 0.2 + 0.3 * float(person["older"])
            values[item.id] = "yes" if met else "no"
            continue
        value = _answer(rng, item, latent + rng.normal(0, 0.8), person)
        if value is not None:
            values[item.id] = value
    return values


def _answer(rng: np.random.Generator, item: Item, latent: float, person: dict) -> str | None:
    if item.casemix:
        code = str(person.get(item.casemix, ""))
        return code if code in item.codes else None
    scored = [o.code for o in item.options if o.scored]
    unscored = [o.code for o in item.options if not o.scored]
    if unscored and rng.random() < 0.04:
        return unscored[0]
    if item.type == "likert5":
        # Thresholds put most answers at 4-5, as in real patient surveys.
        return str(int(np.digitize(latent, [-2.2, -1.4, -0.5, 0.6])) + 1)
    if item.type == "fft6":
        return str(5 - int(np.digitize(latent, [-2.2, -1.4, -0.5, 0.6])))
    if item.type == "yes_no_na":
        return "yes" if rng.random() < 1 / (1 + np.exp(-(latent + 1.2))) else "no"
    if item.type == "nps":
        return str(int(np.clip(round(8 + 1.5 * latent), 0, 10)))
    if item.type == "number":
        return str(item.min if item.min is not None else 0)
    if item.type == "free_text":
        if rng.random() < 0.25:
            return str(rng.choice(COMMENTS.get(str(person["language"]), COMMENTS["da"])))
        return None
    if item.problem_codes:
        good = [c for c in scored if c not in item.problem_codes and c != "dont_know"]
        p_problem = 1 / (1 + np.exp(latent + 1.0))
        pool = list(item.problem_codes) if rng.random() < p_problem else good or scored
        return str(rng.choice(pool))
    return str(rng.choice(scored)) if scored else None
