"""Generated Danish-like patient comments with labelled personal data.

Used to measure the scrubber (recall and false positives) and by the demo to
seed comments. Every comment records the character spans of its personal data
(``cpr``, ``phone``, ``email``, ``name``) and of its near misses: dates,
amounts in kroner, years, times, street numbers, postcodes and durations that
a careless pattern would mistake for personal data.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

__all__ = ["NEAR_MISS_KINDS", "PII_KINDS", "LabelledComment", "synthetic_comments"]

#: Kinds of personal data labelled in the comments.
PII_KINDS: tuple[str, ...] = ("cpr", "phone", "email", "name")
#: Kinds of labelled look-alikes that are not personal data.
NEAR_MISS_KINDS: tuple[str, ...] = (
    "date",
    "amount",
    "year",
    "time",
    "street",
    "postcode",
    "duration",
)


@dataclass(frozen=True)
class LabelledComment:
    """A comment and the labelled spans in it.

    Attributes
    ----------
    text : str
        The comment.
    spans : tuple of (int, int, str)
        ``(start, end, kind)`` with kind in :data:`PII_KINDS` or
        :data:`NEAR_MISS_KINDS`.
    """

    text: str
    spans: tuple[tuple[int, int, str], ...]

    @property
    def has_pii(self) -> bool:
        """Whether the comment holds personal data."""
        return any(kind in PII_KINDS for _, _, kind in self.spans)


_PII_SENTENCES = {
    "cpr": [
        "Mit CPR-nummer er {cpr}, hvis I vil slå mig op.",
        "cpr {cpr}",
        "Jeg fik aldrig svar på min henvendelse (cpr.nr.{cpr}).",
        "Skriv venligst til mig, {cpr}, om prøvesvarene.",
        "Min mors personnummer: {cpr} - hun er dement og kan ikke selv svare.",
        "{cpr} vil gerne ringes op.",
        "Journalen står under {cpr} men der var fejl i navnet.",
        "CPR:{cpr}.",
    ],
    "phone": [
        "Ring gerne til mig på {phone}.",
        "I kan fange mig på tlf. {phone} efter kl. 16.",
        "Mit nummer er {phone}, jeg vil gerne fortælle mere.",
        "tlf:{phone}",
        "Kontakt min datter på {phone} hvis der er spørgsmål.",
        "Jeg har skiftet nummer til {phone} men I sender stadig sms til det gamle.",
        "Mobil {phone} (bedst om formiddagen)",
    ],
    "email": [
        "Skriv til {email} hvis I vil høre mere.",
        "Min mail er {email}.",
        "Send gerne svar til {email}, tak.",
        "e-mail: {email}",
    ],
    "name": [
        "Lægen {name} var fantastisk og tog sig god tid.",
        "Sygeplejersken {name} forklarede alt meget grundigt.",
        "Tak til Dr. {name} for en god behandling.",
        "Sekretæren {name} var lidt kort for hovedet i telefonen.",
        "Fysioterapeut {name} gav mig gode øvelser.",
        "Jeg blev ringet op af fru {name} fra kommunen.",
    ],
}

_NEAR_SENTENCES = {
    "date": [
        "Jeg var til kontrol den {date} og har ikke hørt noget siden.",
        "Tiden blev flyttet til {date} uden at nogen sagde det.",
        "Henvisningen blev sendt {date}.",
    ],
    "amount": [
        "Medicinen kostede {amount}, det er for dyrt.",
        "Jeg måtte selv betale {amount} for transporten.",
        "Tandlægen tog {amount} for en enkelt fyldning.",
        "Regionen har vist brugt {amount} på det nye system.",
    ],
    "year": [
        "Jeg har været patient her siden {year}.",
        "Det er bedre end i {year}.",
        "Jeg har haft sukkersyge i mange år, fra {year}.",
    ],
    "time": [
        "Jeg mødte op {time} men kom først ind en time senere.",
        "Telefonen åbner {time} og så er der lang kø.",
        "Blodprøven blev taget {time}.",
    ],
    "street": [
        "Klinikken på {street} er svær at finde.",
        "Der mangler parkering ved {street}.",
        "Det var nemt at komme til {street} med bussen.",
    ],
    "postcode": [
        "Jeg bor i {postcode} og der er langt til sygehuset.",
        "Vi er flyttet til {postcode}, men brevet kom til den gamle adresse.",
    ],
    "duration": [
        "Jeg ventede {duration} i venteværelset.",
        "Der gik {duration} før jeg fik svar.",
    ],
}

_FILLER = [
    "Meget venligt personale.",
    "Lægen lyttede til mig og tog mig alvorligt.",
    "Ventetiden var for lang.",
    "Der var ingen, der vidste, hvad der var sket på sygehuset.",
    "Egen læge fik ikke besked om udskrivelsen.",
    "Hjemmeplejen vidste ikke, at jeg var kommet hjem.",
    "Jeg fik ingen skriftlig information om min sygdom.",
    "Alt i alt en god oplevelse.",
    "Svært at komme igennem på telefonen om morgenen.",
    "Jeg savner én fast kontaktperson.",
    "God information om bivirkninger.",
    "Rart at kunne svare på mobilen.",
    "Det var svært at læse brevet, jeg har dårligt syn.",
    "Tolken kom ikke, så min søn måtte oversætte.",
]

_FIRST = [
    "Mette",
    "Anne",
    "Lars",
    "Jens",
    "Hanne",
    "Søren",
    "Karen",
    "Peter",
    "Fatima",
    "Mikkel",
    "Louise",
    "Niels",
    "Ahmed",
    "Birgitte",
    "Ole",
    "Rikke",
]
_LAST = [
    "Hansen",
    "Jensen",
    "Nielsen",
    "Pedersen",
    "Andersen",
    "Christensen",
    "Larsen",
    "Sørensen",
    "Rasmussen",
    "Jørgensen",
    "Madsen",
    "Kristensen",
    "Østergaard",
    "Holm",
]
_STREETS = [
    "Vestergade",
    "Nørrebrogade",
    "Søndergade",
    "Jens Baggesens Vej",
    "H.C. Andersens Boulevard",
    "Niels Juels Gade",
    "Skolevej",
    "Kirkevej",
    "Hospitalsvej",
    "Banegårdspladsen",
]
_TOWNS = [
    "Aarhus C",
    "København N",
    "Odense SV",
    "Randers",
    "Viborg",
    "Herning",
    "Silkeborg",
    "Aalborg Øst",
    "Holstebro",
    "Skive",
]
_MONTHS = [
    "januar",
    "februar",
    "marts",
    "april",
    "maj",
    "juni",
    "juli",
    "august",
    "september",
    "oktober",
    "november",
    "december",
]
_DOMAINS = [
    "gmail.com",
    "hotmail.dk",
    "live.dk",
    "mail.tele.dk",
    "outlook.com",
    "rm.dk",
    "stofanet.dk",
    "jubii.dk",
]
_CPR_WEIGHTS = np.array([4, 3, 2, 7, 6, 5, 4, 3, 2, 1])


def _cpr(rng: np.random.Generator) -> str:
    birth = dt.date(1920, 1, 1) + dt.timedelta(days=int(rng.integers(0, 365 * 104)))
    stem = f"{birth.day:02d}{birth.month:02d}{birth.year % 100:02d}"
    # Half of the numbers pass the modulus-11 check and half do not, because
    # numbers issued since 2007 need not pass it and the scrubber must not care.
    want_valid = rng.random() < 0.5
    for _ in range(100):
        serial = f"{int(rng.integers(0, 10_000)):04d}"
        digits = np.array([int(c) for c in stem + serial])
        if (int(digits @ _CPR_WEIGHTS) % 11 == 0) == want_valid:
            break
    style = rng.choice(["dash", "plain", "dash", "space"])
    sep = {"dash": "-", "plain": "", "space": " "}[str(style)]
    return f"{stem}{sep}{serial}"


def _phone(rng: np.random.Generator) -> str:
    d = str(int(rng.integers(2, 10))) + "".join(str(int(x)) for x in rng.integers(0, 10, 7))
    grouping = int(rng.integers(0, 8))
    body = [
        d,
        f"{d[:2]} {d[2:4]} {d[4:6]} {d[6:]}",
        f"{d[:4]} {d[4:]}",
        f"{d[:2]}-{d[2:4]}-{d[4:6]}-{d[6:]}",
        f"{d[:2]}.{d[2:4]}.{d[4:6]}.{d[6:]}",
        f"{d[:4]}-{d[4:]}",
        f"{d[:3]} {d[3:5]} {d[5:]}",
        f"{d[:4]}.{d[4:]}",
    ][grouping]
    prefix = str(rng.choice(["", "", "", "+45 ", "+45", "0045 ", "0045", "(+45) ", "+45-"]))
    return prefix + body


def _email(rng: np.random.Generator) -> str:
    first = str(rng.choice(_FIRST)).lower().replace("ø", "oe")
    last = str(rng.choice(_LAST)).lower().replace("ø", "oe").replace("æ", "ae")
    style = int(rng.integers(0, 4))
    local = [
        f"{first}.{last}",
        f"{first}{int(rng.integers(1, 99))}",
        f"{first[0]}{last}",
        f"{first}_{last}{int(rng.integers(1950, 2005))}",
    ][style]
    return f"{local}@{rng.choice(_DOMAINS)}"


def _name(rng: np.random.Generator) -> str:
    if rng.random() < 0.5:
        return str(rng.choice(_LAST))
    return f"{rng.choice(_FIRST)} {rng.choice(_LAST)}"


def _date(rng: np.random.Generator) -> str:
    day = dt.date(2018, 1, 1) + dt.timedelta(days=int(rng.integers(0, 365 * 7)))
    style = int(rng.integers(0, 8))
    return [
        f"{day.day:02d}{day.month:02d}{day.year}",
        f"{day.day:02d}.{day.month:02d}.{day.year}",
        f"{day.day:02d}-{day.month:02d}-{day.year}",
        f"{day.day}/{day.month}-{day.year}",
        f"{day.day}. {_MONTHS[day.month - 1]} {day.year}",
        day.isoformat(),
        f"d. {day.day}/{day.month}",
        f"{day.day:02d}.{day.month:02d}.{day.year % 100:02d}",
    ][style]


def _amount(rng: np.random.Generator) -> str:
    style = int(rng.integers(0, 8))
    small = int(rng.integers(50, 5000))
    big = int(rng.integers(10_000_000, 99_999_999))
    mid = int(rng.integers(1_000, 99_999))
    return [
        f"{small:,} kr.".replace(",", "."),
        f"{mid:,} kroner".replace(",", "."),
        f"kr. {small},-",
        f"{mid:,},50 kr".replace(",", ".", 1) if mid >= 1000 else f"{mid},50 kr",
        f"{big:,} kr".replace(",", "."),
        f"{big:,} kr".replace(",", " "),
        f"{big} kr",
        f"{big:,} DKK".replace(",", "."),
    ][style]


def _year(rng: np.random.Generator) -> str:
    first = int(rng.integers(1960, 2025))
    style = int(rng.integers(0, 3))
    return [
        str(first),
        f"{first}-{first + int(rng.integers(1, 4))}",
        f"{first}/{(first + 1) % 100:02d}",
    ][style]


def _time(rng: np.random.Generator) -> str:
    h, m = int(rng.integers(7, 20)), int(rng.choice([0, 15, 30, 45]))
    style = int(rng.integers(0, 4))
    return [
        f"kl. {h}.{m:02d}",
        f"kl {h:02d}:{m:02d}",
        f"kl. {h:02d}.{m:02d}-{h + 1:02d}.{m:02d}",
        f"klokken {h}",
    ][style]


def _street(rng: np.random.Generator) -> str:
    number = int(rng.integers(1, 250))
    style = int(rng.integers(0, 3))
    street = str(rng.choice(_STREETS))
    return [
        f"{street} {number}",
        f"{street} {number}, 2. tv.",
        f"{street} {number}B, {int(rng.integers(1000, 9990))} {rng.choice(_TOWNS)}",
    ][style]


def _postcode(rng: np.random.Generator) -> str:
    return f"{int(rng.integers(1000, 9990))} {rng.choice(_TOWNS)}"


def _duration(rng: np.random.Generator) -> str:
    a = int(rng.integers(1, 12))
    style = int(rng.integers(0, 3))
    return [f"{a * 5} minutter", f"{a}-{a + 2} uger", f"{a} timer og {a * 5} minutter"][style]


_MAKERS = {
    "cpr": _cpr,
    "phone": _phone,
    "email": _email,
    "name": _name,
    "date": _date,
    "amount": _amount,
    "year": _year,
    "time": _time,
    "street": _street,
    "postcode": _postcode,
    "duration": _duration,
}


def _fill(template: str, kind: str, value: str, offset: int) -> tuple[str, tuple[int, int, str]]:
    slot = "{" + kind + "}"
    at = template.index(slot)
    text = template.replace(slot, value)
    return text, (offset + at, offset + at + len(value), kind)


def synthetic_comments(
    n: int = 1000, seed: int = 0, pii_share: float = 0.5
) -> list[LabelledComment]:
    """Generate labelled Danish-like comments.

    Parameters
    ----------
    n : int, default 1000
        Number of comments.
    seed : int, default 0
        Random seed (the same seed gives the same comments).
    pii_share : float, default 0.5
        Share of comments that contain personal data; the rest contain only
        near misses and ordinary sentences.

    Returns
    -------
    list of LabelledComment
        Each comment has one to three labelled sentences and up to two
        unlabelled filler sentences.
    """
    rng = np.random.default_rng(seed)
    pii_kinds = list(_PII_SENTENCES)
    pii_weights = np.array([0.35, 0.35, 0.15, 0.15])
    near_kinds = list(_NEAR_SENTENCES)
    comments: list[LabelledComment] = []
    for _ in range(n):
        pieces: list[tuple[str, str | None]] = []
        if rng.random() < pii_share:
            for _k in range(int(rng.integers(1, 3))):
                pieces.append(("pii", str(rng.choice(pii_kinds, p=pii_weights))))
        for _k in range(int(rng.integers(1, 3))):
            pieces.append(("near", str(rng.choice(near_kinds))))
        for _k in range(int(rng.integers(0, 3))):
            pieces.append(("filler", None))
        order = rng.permutation(len(pieces))
        text = ""
        spans: list[tuple[int, int, str]] = []
        for idx in order:
            group, kind = pieces[idx]
            if text:
                text += " "
            if kind is None:
                text += str(rng.choice(_FILLER))
                continue
            table = _PII_SENTENCES if group == "pii" else _NEAR_SENTENCES
            template = str(rng.choice(table[kind]))
            sentence, span = _fill(template, kind, _MAKERS[kind](rng), len(text))
            text += sentence
            spans.append(span)
        comments.append(LabelledComment(text=text, spans=tuple(spans)))
    return comments
