"""Reading and validating questionnaire files (see docs/questionnaire-format.md).

Every problem names the file, the item and what is wrong, so an author can fix
a file from the message alone. All problems of a file are reported at once.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from survey_service.questionnaires.model import (
    ADJUSTERS,
    DOMAINS,
    FILE_LANGUAGES,
    FREE_TEXT_LIMIT,
    ITEM_TYPES,
    ROLES,
    SECTOR_CODES,
    AnswerOption,
    Condition,
    Item,
    Questionnaire,
    RotatingModule,
    Section,
    Transition,
)
from survey_service.settings import Settings, load_settings

_ID = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,63}$")
_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")

# Answer sets that need no definition in the file. Their wording is ours.
_DEFAULT_SETS: dict[str, list[dict[str, Any]]] = {
    "yes_no_na": [
        {"code": "yes", "text": {"da": "Ja", "en": "Yes"}},
        {"code": "no", "text": {"da": "Nej", "en": "No"}},
        {
            "code": "na",
            "text": {"da": "Ved ikke / ikke relevant", "en": "Don't know / not relevant"},
            "scored": False,
        },
    ],
    "fft6": [
        {"code": "1", "text": {"da": "Meget god", "en": "Very good"}},
        {"code": "2", "text": {"da": "God", "en": "Good"}},
        {"code": "3", "text": {"da": "Hverken god eller dårlig", "en": "Neither good nor poor"}},
        {"code": "4", "text": {"da": "Dårlig", "en": "Poor"}},
        {"code": "5", "text": {"da": "Meget dårlig", "en": "Very poor"}},
        {"code": "6", "text": {"da": "Ved ikke", "en": "Don't know"}, "scored": False},
    ],
}


class QuestionnaireError(ValueError):
    """One or more questionnaire files are invalid; ``problems`` lists each."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("\n".join(problems))


@dataclass(frozen=True)
class _RawFile:
    path: Path
    label: str
    data: dict[str, Any]


class _Problems:
    def __init__(self, label: str) -> None:
        self.label = label
        self.items: list[str] = []

    def add(self, where: str, problem: str) -> None:
        self.items.append(
            f"{self.label}: {where}: {problem}" if where else f"{self.label}: {problem}"
        )


def default_directory(settings: Settings | None = None) -> Path:
    """``SURVEY_QUESTIONNAIRE_DIR`` if set (a region's own files), else the shipped ones.

    ``serve``, ``demo`` and ``questionnaires validate`` all resolve the directory
    here, so what is validated is what would be served.
    """
    settings = settings or load_settings()
    if settings.questionnaire_dir is not None:
        return settings.questionnaire_dir
    return Path(str(resources.files("questionnaires")))


def load_catalogue(directory: Path | None = None, settings: Settings | None = None) -> Catalogue:
    """Load and validate every file under ``directory`` (default: the shipped ones)."""
    directory = directory or default_directory(settings)
    raw_files, problems = _read_files(directory)
    modules: dict[tuple[str, int], _RawFile] = {}
    for raw in raw_files:
        if raw.data.get("kind") == "module":
            modules[(raw.data.get("slug"), raw.data.get("version"))] = raw  # type: ignore[index]
    loaded: list[Questionnaire] = []
    for raw in raw_files:
        q, file_problems = _build(raw, modules)
        problems.extend(file_problems)
        if q is not None:
            loaded.append(q)
    if problems:
        raise QuestionnaireError(problems)
    return Catalogue(loaded)


def load_file(path: Path, directory: Path | None = None) -> Questionnaire:
    """Load one file; modules it includes are looked up in its catalogue directory."""
    path = Path(path)
    directory = directory or path.parent.parent
    catalogue = load_catalogue(directory)
    slug, version = path.parent.name, _version_from_name(path)
    found = catalogue.get(slug, version) if version is not None else None
    if found is None:
        raise QuestionnaireError([f"{path}: not found in catalogue {directory}"])
    return found


class Catalogue:
    """All questionnaire versions and modules, by slug and version."""

    def __init__(self, questionnaires: Iterable[Questionnaire]) -> None:
        self._by_key = {(q.slug, q.version): q for q in questionnaires}

    def __iter__(self):
        return iter(sorted(self._by_key.values(), key=lambda q: (q.slug, q.version)))

    def __len__(self) -> int:
        return len(self._by_key)

    def __repr__(self) -> str:
        return f"Catalogue({', '.join(q.key for q in self)})"

    def get(self, slug: str, version: int) -> Questionnaire | None:
        return self._by_key.get((slug, version))

    def latest(self, slug: str, *, published_only: bool = True) -> Questionnaire | None:
        versions = [
            q
            for (s, _), q in self._by_key.items()
            if s == slug and (q.published or not published_only)
        ]
        return max(versions, key=lambda q: q.version, default=None)

    def questionnaires(self) -> list[Questionnaire]:
        """Issuable questionnaires (not modules), every version."""
        return [q for q in self if q.kind == "questionnaire"]

    def for_sector(self, sector: str) -> Questionnaire | None:
        """The newest published questionnaire meant for a provider group."""
        candidates = [
            q for q in self.questionnaires() if q.published and sector in q.provider_groups
        ]
        return max(candidates, key=lambda q: (q.slug, q.version), default=None)


# --- reading ---------------------------------------------------------------


def _version_from_name(path: Path) -> int | None:
    return int(path.stem) if path.stem.isdigit() else None


def _read_files(directory: Path) -> tuple[list[_RawFile], list[str]]:
    raw_files: list[_RawFile] = []
    problems: list[str] = []
    paths = sorted(p for ext in ("*.yaml", "*.yml") for p in directory.glob(f"*/{ext}"))
    for path in paths:
        label = f"{path.parent.name}/{path.name}"
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError) as exc:
            problems.append(f"{label}: cannot read: {exc}")
            continue
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f" (line {mark.line + 1})" if mark else ""
            problems.append(f"{label}: not valid YAML{where}: {getattr(exc, 'problem', exc)}")
            continue
        if not isinstance(data, dict):
            problems.append(f"{label}: the file must be a mapping with slug, version, ...")
            continue
        raw_files.append(_RawFile(path=path, label=label, data=data))
    return raw_files, problems


def _build(
    raw: _RawFile, modules: Mapping[tuple[str, int], _RawFile]
) -> tuple[Questionnaire | None, list[str]]:
    p = _Problems(raw.label)
    d = raw.data
    known = {
        "slug",
        "version",
        "kind",
        "status",
        "title",
        "intro",
        "provider_groups",
        "adjusters",
        "include",
        "rotation",
        "answer_sets",
        "sections",
    }
    for key in d:
        if key not in known:
            p.add("", f"unknown key {key!r}")
    slug, version, kind = d.get("slug"), d.get("version"), d.get("kind", "questionnaire")
    if not isinstance(slug, str) or not _SLUG.match(slug):
        p.add("slug", "must be lowercase letters, digits and '-'")
    elif slug != raw.path.parent.name:
        p.add("slug", f"{slug!r} differs from its folder name {raw.path.parent.name!r}")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        p.add("version", "must be a positive whole number")
    elif version != _version_from_name(raw.path):
        p.add("version", f"{version} differs from the file name {raw.path.name!r}")
    if kind not in ("questionnaire", "module"):
        p.add("kind", "must be 'questionnaire' or 'module'")
    status = d.get("status")
    if status not in ("draft", "published"):
        p.add("status", "must be 'draft' or 'published'")

    sets = _answer_sets(d.get("answer_sets") or {}, p)
    title: dict[str, str] = {}
    provider_groups: tuple[str, ...] = ()
    adjusters: tuple[str, ...] = ()
    includes: list[tuple[str, int]] = []
    content: list[Any] = [d]

    def expand(
        inc: Any, where: str, keys: frozenset[str] = frozenset({"module", "version"})
    ) -> list[Section]:
        """The sections of an included module (its own problems go under its file)."""
        if kind == "module":
            p.add(where, "modules cannot include modules")
            return []
        if not isinstance(inc, dict) or set(inc) != keys:
            shape = "module: SLUG, version: N" + (", weight: W" if "weight" in keys else "")
            p.add(where, f"must be {{{shape}}}")
            return []
        module = modules.get((inc["module"], inc["version"]))
        if module is None:
            p.add(where, f"no module {inc['module']}/{inc['version']} in the catalogue")
            return []
        if module.data.get("kind") != "module":
            p.add(where, f"{inc['module']}/{inc['version']} is not a module")
            return []
        if status == "published" and module.data.get("status") != "published":
            p.add(where, "a published questionnaire may only include published modules")
        mp = _Problems(module.label)
        includes.append((inc["module"], inc["version"]))
        content.append(module.data)
        return _sections(
            module.data.get("sections"), _answer_sets(module.data.get("answer_sets") or {}, mp), mp
        )

    # A section entry {module, version} places a module there; `include`
    # appends modules after the file's own sections.
    sections: list[Section] = []
    raw_sections = d.get("sections")
    if not isinstance(raw_sections, list) or not raw_sections:
        p.add("sections", "needs at least one section")
        raw_sections = []
    rotation_at: int | None = None
    for n, entry in enumerate(raw_sections):
        if entry == "rotation":
            # Where the rotating modules go (once); without it, after the own sections.
            if rotation_at is not None or "rotation" not in d:
                p.add(f"sections[{n}]", "'rotation' marks the place of the rotation, once")
            rotation_at = len(sections)
        elif isinstance(entry, dict) and "module" in entry and "items" not in entry:
            sections += expand(entry, f"sections[{n}]")
        else:
            sections += _sections([entry], sets, p)
    rotation: list[RotatingModule] = []
    if "rotation" in d:
        core = list(sections)
        rotating, rotation = _rotation(d["rotation"], expand, p)
        at = len(core) if rotation_at is None else rotation_at
        sections = core[:at] + rotating + core[at:]
        _check_rotation(sections, rotation, p)
    if kind == "module":
        for key in ("title", "provider_groups", "adjusters", "include", "rotation"):
            if key in d:
                p.add(key, "not allowed in a module")
    else:
        title = _text(d.get("title"), "title", p)
        provider_groups = _codes(d.get("provider_groups"), SECTOR_CODES, "provider_groups", p)
        adjusters = _codes(d.get("adjusters", []), ADJUSTERS, "adjusters", p, allow_empty=True)
        for n, inc in enumerate(d.get("include") or []):
            sections += expand(inc, f"include[{n}]")
    intro = _text(d["intro"], "intro", p) if "intro" in d else None
    _check_expanded(sections, p)
    if p.items:
        return None, p.items
    # With no problems recorded, each of these passed its check above.
    assert isinstance(slug, str) and isinstance(version, int) and isinstance(status, str)
    return Questionnaire(
        slug=slug,
        version=version,
        kind=kind,
        status=status,
        title=title,
        sections=tuple(sections),
        intro=intro,
        provider_groups=provider_groups,
        adjusters=adjusters,
        source=str(raw.path),
        content_hash=_hash(content),
        includes=tuple(includes),
        rotation=tuple(rotation),
    ), []


def _rotation(value: Any, expand: Any, p: _Problems) -> tuple[list[Section], list[RotatingModule]]:
    """The rotating modules' sections, and each module with its normalised weight."""
    if not isinstance(value, list) or len(value) < 2:
        p.add("rotation", "must list at least two {module: SLUG, version: N, weight: W}")
        return [], []
    sections: list[Section] = []
    found: list[tuple[str, int, float, tuple[str, ...]]] = []
    for n, entry in enumerate(value):
        where = f"rotation[{n}]"
        weight = entry.get("weight") if isinstance(entry, dict) else None
        if isinstance(weight, bool) or not isinstance(weight, int | float) or not weight > 0:
            p.add(where, "weight must be a positive number")
            continue
        if any((s, v) == (entry.get("module"), entry.get("version")) for s, v, _, _ in found):
            p.add(where, "the same module is listed twice")
            continue
        module_sections = expand(entry, where, frozenset({"module", "version", "weight"}))
        if not module_sections:
            continue
        sections += module_sections
        ids = tuple(s.id for s in module_sections)
        found.append((entry["module"], entry["version"], float(weight), ids))
    total = sum(w for _, _, w, _ in found)
    return sections, [RotatingModule(s, v, w / total, ids) for s, v, w, ids in found]


def _check_rotation(sections: list[Section], rotation: list[RotatingModule], p: _Problems) -> None:
    """A patient's form drops the other modules' sections, so those must stand apart.

    Section ids are unique (the form filters by them), and an item's skip
    condition refers to the core or to its own module, never to a module the
    patient may not get.
    """
    ids = [s.id for s in sections]
    for section_id in sorted({i for i in ids if ids.count(i) > 1}):
        p.add(
            f"section {section_id!r}", "section id is used twice; rotating modules need unique ones"
        )
    owner = {s: m.key for m in rotation for s in m.section_ids}
    item_owner = {i.id: owner.get(s.id, "") for s in sections for i in s.items}
    for section in sections:
        for item in section.items:
            if item.show_if is None:
                continue
            target = item_owner.get(item.show_if.item, "")
            if target and target != owner.get(section.id, ""):
                p.add(
                    f"item {item.id!r}",
                    f"show_if refers to {item.show_if.item!r} of module {target}, "
                    "which not every patient of this item gets",
                )


def _hash(content: list[Any]) -> str:
    canonical = json.dumps(content, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _text(value: Any, where: str, p: _Problems) -> dict[str, str]:
    if not isinstance(value, dict):
        p.add(where, f"needs text in {' and '.join(FILE_LANGUAGES)}")
        return {}
    for lang in FILE_LANGUAGES:
        text = value.get(lang)
        if not isinstance(text, str) or not text.strip():
            p.add(where, f"text in {lang!r} is missing or empty")
    return {str(k): str(v) for k, v in value.items()}


def _codes(
    value: Any, allowed: tuple[str, ...], where: str, p: _Problems, allow_empty: bool = False
) -> tuple[str, ...]:
    if not isinstance(value, list) or (not value and not allow_empty):
        p.add(where, f"must be a list of: {', '.join(allowed)}")
        return ()
    for code in value:
        if code not in allowed:
            p.add(where, f"unknown value {code!r}; choose from {', '.join(allowed)}")
    return tuple(value)


def _options(value: Any, where: str, p: _Problems) -> tuple[AnswerOption, ...]:
    if not isinstance(value, list):
        p.add(where, "answers must be a list of {code, text}")
        return ()
    options: list[AnswerOption] = []
    for n, raw in enumerate(value):
        w = f"{where} answer {n + 1}"
        if not isinstance(raw, dict) or "code" not in raw:
            p.add(w, "needs a code and a text")
            continue
        code = str(raw["code"])
        scored = raw.get("scored", True)
        if not isinstance(scored, bool):
            p.add(w, "scored must be true or false")
        options.append(AnswerOption(code=code, text=_text(raw.get("text"), w, p), scored=scored))
    codes = [o.code for o in options]
    if len(set(codes)) != len(codes):
        p.add(where, f"answer codes repeat: {codes}")
    return tuple(options)


def _answer_sets(value: Any, p: _Problems) -> dict[str, tuple[AnswerOption, ...]]:
    if not isinstance(value, dict):
        p.add("answer_sets", "must map names to lists of answers")
        return {}
    return {str(name): _options(opts, f"answer set {name!r}", p) for name, opts in value.items()}


_ITEM_KEYS = {
    "id",
    "type",
    "text",
    "help",
    "answers",
    "required",
    "domain",
    "role",
    "show_if",
    "transition",
    "problem_codes",
    "casemix",
    "max_length",
    "min",
    "max",
}


def _sections(
    value: Any, sets: Mapping[str, tuple[AnswerOption, ...]], p: _Problems
) -> list[Section]:
    if not isinstance(value, list) or not value:
        p.add("sections", "needs at least one section")
        return []
    sections = []
    for n, raw in enumerate(value):
        where = f"section {raw.get('id') if isinstance(raw, dict) else n + 1!r}"
        if not isinstance(raw, dict) or not isinstance(raw.get("items"), list):
            p.add(where, "needs an id, a title and a list of items")
            continue
        items = tuple(
            item for item in (_item(r, sets, p) for r in raw["items"]) if item is not None
        )
        sections.append(
            Section(
                id=str(raw.get("id", n + 1)),
                title=_text(raw.get("title"), f"{where} title", p),
                help=_text(raw["help"], f"{where} help", p) if "help" in raw else None,
                items=items,
            )
        )
    return sections


def _item(raw: Any, sets: Mapping[str, tuple[AnswerOption, ...]], p: _Problems) -> Item | None:
    if not isinstance(raw, dict):
        p.add("item", "must be a mapping")
        return None
    item_id = raw.get("id")
    if not isinstance(item_id, str) or not _ID.match(item_id):
        p.add(f"item {item_id!r}", "id must be 1-64 of a-z, 0-9, '_', '.', '-'")
        return None
    where = f"item {item_id!r}"
    for key in raw:
        if key not in _ITEM_KEYS:
            p.add(where, f"unknown key {key!r}")
    kind = raw.get("type")
    if kind not in ITEM_TYPES:
        p.add(where, f"type {kind!r}: choose one of {', '.join(ITEM_TYPES)}")
        return None
    domain = raw.get("domain")
    if domain not in DOMAINS:
        p.add(where, f"domain {domain!r}: choose one of {', '.join(DOMAINS)}")
    role = raw.get("role", "experience")
    if role not in ROLES:
        p.add(where, f"role {role!r}: choose one of {', '.join(ROLES)}")
    required = raw.get("required", False)
    if not isinstance(required, bool):
        p.add(where, "required must be true or false")

    options = _item_options(raw, kind, sets, where, p)
    show_if = _condition(raw.get("show_if"), where, p)
    transition = None
    if "transition" in raw:
        t = raw["transition"]
        if (
            not isinstance(t, dict)
            or t.get("from") not in SECTOR_CODES
            or t.get("to") not in SECTOR_CODES
        ):
            p.add(where, f"transition needs from and to, each one of {', '.join(SECTOR_CODES)}")
        else:
            transition = Transition(source=t["from"], target=t["to"])
    problem_codes = tuple(str(c) for c in raw.get("problem_codes", []))
    codes = {o.code for o in options}
    for code in problem_codes:
        if code not in codes:
            p.add(where, f"problem code {code!r} is not one of its answers")
    if transition and not problem_codes:
        p.add(where, "an item with a transition needs problem_codes (which answers are a gap)")
    casemix = raw.get("casemix")
    if casemix is not None and casemix not in ADJUSTERS:
        p.add(where, f"casemix {casemix!r}: choose one of {', '.join(ADJUSTERS)}")
    if role == "casemix" and casemix is None:
        p.add(where, "a casemix item needs casemix: <adjuster>")
    max_length = raw.get("max_length", FREE_TEXT_LIMIT)
    if kind == "free_text" and (
        not isinstance(max_length, int) or not 1 <= max_length <= FREE_TEXT_LIMIT
    ):
        p.add(where, f"max_length must be 1..{FREE_TEXT_LIMIT}")
        max_length = FREE_TEXT_LIMIT
    low, high = raw.get("min"), raw.get("max")
    if kind == "number" and not (isinstance(low, int) and isinstance(high, int) and low <= high):
        p.add(where, "a number item needs whole numbers min <= max")
    return Item(
        id=item_id,
        type=kind,
        text=_text(raw.get("text"), where, p),
        help=_text(raw["help"], f"{where} help", p) if "help" in raw else None,
        # A bad domain is recorded above, which discards the whole file.
        domain=domain if isinstance(domain, str) else "",
        role=role,
        required=required is True,
        options=options,
        show_if=show_if,
        transition=transition,
        problem_codes=problem_codes,
        casemix=casemix,
        max_length=max_length if isinstance(max_length, int) else FREE_TEXT_LIMIT,
        min=low,
        max=high,
    )


def _item_options(
    raw: dict[str, Any],
    kind: str,
    sets: Mapping[str, tuple[AnswerOption, ...]],
    where: str,
    p: _Problems,
) -> tuple[AnswerOption, ...]:
    answers = raw.get("answers")
    if kind in ("free_text", "number", "nps"):
        if answers is not None:
            p.add(where, f"a {kind} item takes no answers")
        if kind == "nps":
            return tuple(
                AnswerOption(code=str(n), text={"da": str(n), "en": str(n)}) for n in range(11)
            )
        return ()
    if answers is None and kind in _DEFAULT_SETS:
        return _options(_DEFAULT_SETS[kind], where, p)
    if isinstance(answers, str):
        if answers not in sets:
            p.add(where, f"answer set {answers!r} is not defined in answer_sets")
            return ()
        options = sets[answers]
    elif answers is None:
        p.add(where, f"a {kind} item needs answers (a set name or a list)")
        return ()
    else:
        options = _options(answers, where, p)
    scored = [o.code for o in options if o.scored]
    unscored = [o.code for o in options if not o.scored]
    if kind == "likert5":
        if sorted(scored) != ["1", "2", "3", "4", "5"] or len(unscored) > 1:
            p.add(where, 'likert5 needs scored codes "1".."5" and at most one unscored option')
    elif kind == "yes_no_na":
        if not {"yes", "no"} <= set(scored) or not set(scored + unscored) <= {"yes", "no", "na"}:
            p.add(where, 'yes_no_na answers must be codes "yes", "no" and optionally "na"')
    elif kind == "fft6":
        if sorted(scored) != ["1", "2", "3", "4", "5"] or unscored not in ([], ["6"]):
            p.add(where, 'fft6 needs scored codes "1".."5" and optionally "6" (don\'t know)')
    elif kind == "single_choice" and len(options) < 2:
        p.add(where, "a single_choice item needs at least two answers")
    return options


def _condition(value: Any, where: str, p: _Problems) -> Condition | None:
    if value is None:
        return None
    if (
        not isinstance(value, dict)
        or not isinstance(value.get("item"), str)
        or not isinstance(value.get("in"), list)
        or not value["in"]
    ):
        p.add(where, "show_if must be {item: ID, in: [CODE, ...]}")
        return None
    return Condition(item=value["item"], codes=tuple(str(c) for c in value["in"]))


def _check_expanded(sections: list[Section], p: _Problems) -> None:
    """Rules that need the whole questionnaire: unique ids, conditions that resolve."""
    seen: dict[str, Item] = {}
    for section in sections:
        for item in section.items:
            if item.id in seen:
                p.add(f"item {item.id!r}", "id is used twice in this questionnaire")
            if item.show_if:
                target = seen.get(item.show_if.item)
                if target is None:
                    p.add(
                        f"item {item.id!r}",
                        f"show_if refers to {item.show_if.item!r}, which is not an earlier item",
                    )
                else:
                    unknown = set(item.show_if.codes) - set(target.codes)
                    if unknown:
                        p.add(
                            f"item {item.id!r}",
                            f"show_if codes {sorted(unknown)} are not answers of {target.id!r}",
                        )
            seen[item.id] = item
