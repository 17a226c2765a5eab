"""The questionnaire model: what a loaded, validated questionnaire file is.

Frozen dataclasses, so a loaded version cannot be changed by accident while the
service runs (published versions are immutable on disk and in memory).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

#: Languages every questionnaire file must contain; others come from catalogues.
FILE_LANGUAGES = ("da", "en")

ITEM_TYPES = ("likert5", "yes_no_na", "fft6", "nps", "single_choice", "free_text", "number")
DOMAINS = (
    "access",
    "communication",
    "information",
    "involvement",
    "continuity",
    "coordination",
    "overall",
    "comments",
    "casemix",
    "outcome",
)
ROLES = ("experience", "outcome", "casemix", "screening")
SECTOR_CODES = (
    "gp",
    "specialist",
    "physiotherapy",
    "chiropractic",
    "psychology",
    "dentistry",
    "podiatry",
    "hospital",
    "psychiatry",
    "municipality",
    "prehospital",
)
ADJUSTERS = (
    "age_band",
    "sex",
    "general_health",
    "mental_health",
    "education",
    "channel",
    "language",
)
FREE_TEXT_LIMIT = 2000

Text = Mapping[str, str]
"""Text by language code, e.g. ``{"da": "...", "en": "..."}``."""


@dataclass(frozen=True)
class AnswerOption:
    code: str
    text: Text
    #: False for "not applicable" / "don't know": excluded from scores
    scored: bool = True


@dataclass(frozen=True)
class Condition:
    """Show an item only when another item's answer is one of ``codes``."""

    item: str
    codes: tuple[str, ...]


@dataclass(frozen=True)
class Transition:
    """A hand-over between sectors that a cross-sector item asks about."""

    source: str
    target: str


@dataclass(frozen=True)
class Item:
    id: str
    type: str
    text: Text
    domain: str
    role: str = "experience"
    required: bool = False
    help: Text | None = None
    options: tuple[AnswerOption, ...] = ()
    show_if: Condition | None = None
    transition: Transition | None = None
    problem_codes: tuple[str, ...] = ()
    casemix: str | None = None
    max_length: int = FREE_TEXT_LIMIT
    min: int | None = None
    max: int | None = None

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(o.code for o in self.options)

    def option(self, code: str) -> AnswerOption | None:
        return next((o for o in self.options if o.code == code), None)

    def signature(self) -> tuple:
        """What must never change while the id stays the same."""
        return (
            self.type,
            tuple(sorted(self.text.items())),
            tuple((o.code, tuple(sorted(o.text.items())), o.scored) for o in self.options),
        )


@dataclass(frozen=True)
class Section:
    id: str
    title: Text
    items: tuple[Item, ...]
    help: Text | None = None


@dataclass(frozen=True)
class Questionnaire:
    """One version of a questionnaire (or a module), modules expanded."""

    slug: str
    version: int
    kind: str
    status: str
    title: Text
    sections: tuple[Section, ...]
    intro: Text | None = None
    provider_groups: tuple[str, ...] = ()
    adjusters: tuple[str, ...] = ()
    source: str = ""
    content_hash: str = ""
    includes: tuple[tuple[str, int], ...] = field(default=())

    @property
    def key(self) -> str:
        return f"{self.slug}/{self.version}"

    @property
    def items(self) -> tuple[Item, ...]:
        return tuple(item for section in self.sections for item in section.items)

    def item(self, item_id: str) -> Item | None:
        return next((i for i in self.items if i.id == item_id), None)

    @property
    def published(self) -> bool:
        return self.status == "published"
