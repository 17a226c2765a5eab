"""The questionnaire model: what a loaded, validated questionnaire file is.

Frozen dataclasses, so a loaded version cannot be changed by accident while the
service runs (published versions are immutable on disk and in memory).
"""

from __future__ import annotations

import dataclasses
import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property

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
class RotatingModule:
    """One module of a split questionnaire: each patient gets the core plus one of these.

    ``weight`` is the normalised probability of being assigned (the weights of
    a rotation sum to 1); ``section_ids`` are the module's sections as they
    appear in the full questionnaire's ``sections``.
    """

    slug: str
    version: int
    weight: float
    section_ids: tuple[str, ...]

    @property
    def key(self) -> str:
        return f"{self.slug}/{self.version}"


#: Random source for module assignment: not predictable from earlier draws, so
#: nobody can steer which patients get which module.
_SYSTEM_RANDOM = random.SystemRandom()


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
    #: rotating modules (split-questionnaire design); empty: everyone sees everything
    rotation: tuple[RotatingModule, ...] = ()
    #: for a patient's form (see :meth:`form`): the module it shows, else ""
    module: str = ""

    @property
    def key(self) -> str:
        return f"{self.slug}/{self.version}"

    # The derived views below are cached on the instance (a version is immutable
    # once loaded, and a form is built once per module): every survey page and
    # answer asks for them, and walking the sections each time was a few percent
    # of the server's CPU under load (benchmarks/load_survey.py --profile).

    @cached_property
    def items(self) -> tuple[Item, ...]:
        """Every item of the version: core and every rotating module.

        Analysis, export and FHIR want all columns; what one patient is shown
        is :meth:`form`'s ``items``.
        """
        return tuple(item for section in self.sections for item in section.items)

    @cached_property
    def _items_by_id(self) -> dict[str, Item]:
        found: dict[str, Item] = {}
        for item in self.items:
            found.setdefault(item.id, item)  # the first, as a linear search finds
        return found

    @property
    def module_keys(self) -> tuple[str, ...]:
        """``slug/version`` of each rotating module, in file order."""
        return tuple(m.key for m in self.rotation)

    def rotating(self, key: str) -> RotatingModule | None:
        return next((m for m in self.rotation if m.key == key), None)

    @cached_property
    def _views(self) -> dict[tuple[str, object], Questionnaire]:
        """Forms and steps made from this instance, so each is built (and caches) once."""
        return {}

    def form(self, module: str = "") -> Questionnaire:
        """What a patient assigned ``module`` sees: the core plus that module.

        Without a rotation the questionnaire is its own form (``module`` must be
        ""). Raises ``KeyError`` for a module not in the rotation.
        """
        made = self._views.get(("form", module))
        if made is None:
            made = self._views[("form", module)] = self._form(module)
        return made

    def _form(self, module: str) -> Questionnaire:
        if not self.rotation:
            if module:
                raise KeyError(module)
            return self
        chosen = self.rotating(module)
        if chosen is None:
            raise KeyError(module)
        others = {s for m in self.rotation if m is not chosen for s in m.section_ids}
        return dataclasses.replace(
            self,
            sections=tuple(s for s in self.sections if s.id not in others),
            rotation=(),
            module=chosen.key,
        )

    def draw_module(self, rng: random.Random | None = None) -> str:
        """A module assigned at random with the rotation's fixed weights ("" without one)."""
        if not self.rotation:
            return ""
        rng = rng or _SYSTEM_RANDOM
        chosen = rng.choices(self.rotation, weights=[m.weight for m in self.rotation])[0]
        return chosen.key

    def module_of(self, item_id: str) -> str:
        """The rotating module an item belongs to, "" for a core item (or none)."""
        for m in self.rotation:
            for section in self.sections:
                if section.id in m.section_ids and any(i.id == item_id for i in section.items):
                    return m.key
        return ""

    def item(self, item_id: str) -> Item | None:
        return self._items_by_id.get(item_id)

    def follow_up_gates(self) -> dict[str, frozenset[str]]:
        return dict(self._follow_up_gates)

    @cached_property
    def _follow_up_gates(self) -> dict[str, frozenset[str]]:
        """Screening items that open a follow-up step, with the answers that open it.

        Derived from the file, not marked in it (published files are pinned): an
        item with ``role: screening`` and no ``show_if`` of its own that is the
        condition of items in a later section. Most patients answer "no" to
        such a screen, so its follow-ups go on a second page (web/survey_page.py)
        instead of weighing on everyone's first one.
        """
        section_of = {item.id: n for n, s in enumerate(self.sections) for item in s.items}
        gates: dict[str, set[str]] = {}
        for item in self.items:
            condition = item.show_if
            if condition is None:
                continue
            gate = self.item(condition.item)
            if (
                gate is not None
                and gate.role == "screening"
                and gate.show_if is None
                and section_of[item.id] > section_of[gate.id]
            ):
                gates.setdefault(gate.id, set()).update(condition.codes)
        return {k: frozenset(v) for k, v in gates.items()}

    def follow_ups(self) -> frozenset[str]:
        """Ids of the items whose ``show_if`` chain leads to a follow-up gate."""
        return self._follow_ups

    @cached_property
    def _follow_ups(self) -> frozenset[str]:
        behind = set(self.follow_up_gates())
        found: set[str] = set()
        changed = True
        while changed:  # a chain may name an item later in the file
            changed = False
            for item in self.items:
                if item.id in found or item.show_if is None:
                    continue
                if item.show_if.item in behind or item.show_if.item in found:
                    found.add(item.id)
                    changed = True
        return frozenset(found)

    def step(self, number: int) -> Questionnaire:
        """The items on page ``number`` (1: all but the follow-ups; 2: the follow-ups).

        Empty sections are left out. Without follow-ups step 1 is the whole form.
        """
        made = self._views.get(("step", number))
        if made is None:
            made = self._views[("step", number)] = self._step(number)
        return made

    def _step(self, number: int) -> Questionnaire:
        later = self.follow_ups()
        sections = []
        for section in self.sections:
            kept = tuple(i for i in section.items if (i.id in later) == (number == 2))
            if kept:
                sections.append(dataclasses.replace(section, items=kept))
        return dataclasses.replace(self, sections=tuple(sections))

    def opens_follow_ups(self, values: Mapping[str, object]) -> bool:
        """Whether ``values`` answer a follow-up gate with an answer that opens it."""
        return any(values.get(gate) in codes for gate, codes in self.follow_up_gates().items())

    @property
    def published(self) -> bool:
        return self.status == "published"
