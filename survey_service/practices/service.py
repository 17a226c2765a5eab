"""Creating practices and recognising them by API key."""

from __future__ import annotations

import hashlib
import re
import secrets

from survey_service.practices.tables import Practice

#: Provider groups from the practice sector plus the other sectors a patient
#: meets; the cross-sector module refers to the same codes.
SECTORS: dict[str, str] = {
    "gp": "General practice",
    "specialist": "Practising specialist",
    "physiotherapy": "Physiotherapy",
    "chiropractic": "Chiropractic",
    "psychology": "Psychology",
    "dentistry": "Dentistry",
    "podiatry": "Podiatry",
    "hospital": "Hospital",
    "psychiatry": "Psychiatry",
    "municipality": "Municipality",
    "prehospital": "Pre-hospital",
    # Structural units of the region's tree (docs/units.md): they group the
    # units below them and are never surveyed themselves (no questionnaire is
    # offered for these sectors, like hospitals).
    "region": "Region",
    "area": "Area or municipality (grouping of practices)",
    "department": "Hospital department",
    "section": "Hospital section",
}

#: Sectors of units that group others in the region's tree; the tree level of
#: such a unit is its sector (``survey_service.practices.tree.level_of``).
STRUCTURAL_SECTORS: frozenset[str] = frozenset(
    {"region", "area", "hospital", "department", "section"}
)

_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$")


def valid_code(code: str) -> bool:
    """Whether ``code`` is usable as a unit code (see the message in add_practice)."""
    return bool(_CODE.match(code))


class PracticeError(ValueError):
    """A practice cannot be created or found as asked."""


def hash_api_key(key: str) -> str:
    # API keys carry 256 random bits, so a fast hash is enough (no guessing).
    return hashlib.sha256(key.encode()).hexdigest()


async def add_practice(
    code: str, name: str, sector: str, region_area: str = ""
) -> tuple[Practice, str]:
    """Create a practice and return it with its new API key (shown only once)."""
    if not _CODE.match(code):
        raise PracticeError(
            f"practice code {code!r}: use 1-32 letters, digits, '-' or '_', starting with "
            "a letter or digit"
        )
    if sector not in SECTORS:
        raise PracticeError(f"sector {sector!r}: choose one of {', '.join(SECTORS)}")
    name = name.strip()
    if not name or len(name) > 200:
        raise PracticeError("name: give 1-200 characters")
    if await Practice.exists().where(Practice.code == code):
        raise PracticeError(f"practice code {code!r} exists already")
    key = _new_api_key()
    practice = Practice(
        code=code,
        name=name,
        sector=sector,
        region_area=region_area,
        api_key_hash=hash_api_key(key),
    )
    await practice.save()
    return practice, key


def _new_api_key() -> str:
    return f"sk_{secrets.token_urlsafe(32)}"


async def rotate_api_key(code: str) -> str:
    """A new API key for practice ``code``; the old one stops working at once.

    For a key that leaked or a practice system that changes hands; the new
    key is returned to be shown once, only its hash is stored.
    """
    if not await Practice.exists().where(Practice.code == code):
        raise PracticeError(f"practice code {code!r}: no such practice")
    key = _new_api_key()
    await Practice.update({Practice.api_key_hash: hash_api_key(key)}).where(Practice.code == code)
    return key


async def get_practice(code: str) -> Practice | None:
    return await Practice.objects().where(Practice.code == code).first()


async def practice_for_api_key(key: str) -> Practice | None:
    if not key:
        return None
    return (
        await Practice.objects()
        .where((Practice.api_key_hash == hash_api_key(key)) & (Practice.active == True))  # noqa: E712
        .first()
    )


async def list_practices() -> list[Practice]:
    """Every practice, by code."""
    return await Practice.objects().order_by(Practice.code)
