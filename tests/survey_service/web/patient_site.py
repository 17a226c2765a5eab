"""A real `survey-service serve` and Debian's Chromium, for browser checks of patient pages.

The shipped questionnaires have no ``nps`` or ``number`` item, so the site serves
them together with one extra questionnaire, ``all-types``, that holds every item
type (with a hint, a required item and a conditional item), worded with the
shipped questionnaires' text so it is offered in every language they are; a
pre-hospital unit offers it on its poster. The general practice offers the newest shipped GP
questionnaire. Single-use links are issued by a small subprocess against the
site's SQLite file, as a practice system would have them issued.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import yaml

from survey_service.i18n import patient_languages

from ...servers import running_service

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
GP = "G0001"
ALL_TYPES = "T0001"
#: X-Forwarded-For of a client that guesses links; the site trusts 127.0.0.1 as a proxy
#: so the guesser is a client of its own and the other checks are never blocked.
GUESSER = "203.0.113.7"


def _text(text) -> dict[str, str]:
    return {"da": text["da"], "en": text["en"]}


def _options(item) -> list[dict]:
    return [
        {"code": o.code, "text": _text(o.text), **({} if o.scored else {"scored": False})}
        for o in item.options
    ]


def all_types_questionnaire() -> dict:
    """Every item type in one questionnaire, worded with the shipped questionnaires' text.

    A patient language is offered for a version only when its catalogue translates
    every text of it; borrowing shipped text (the catalogues' msgids are the English
    text) makes this test form offered in every language the shipped ones are. The
    ``nps`` and ``number`` items borrow other questions' wording: only the controls
    matter here.
    """
    from survey_service.questionnaires import load_catalogue

    shipped = load_catalogue(Path(str(resources.files("questionnaires"))))
    items = [i for q in shipped for i in q.items]

    def first(kind: str, *, skip: tuple[str, ...] = (), helped: bool = False):
        return next(
            i
            for i in items
            if i.type == kind
            and i.role != "casemix"
            and i.id not in skip
            and not i.show_if
            and (i.help is not None or not helped)
        )

    likert = first("likert5", helped=True)
    other = first("likert5", skip=(likert.id,))
    third = first("likert5", skip=(likert.id, other.id))
    fourth = first("likert5", skip=(likert.id, other.id, third.id))
    yes_no, fft = first("yes_no_na"), first("fft6")
    choice, comment = first("single_choice"), first("free_text")
    gp = shipped.latest("gp-experience")
    assert gp is not None and gp.intro is not None and likert.help is not None

    def item(id_: str, source, kind: str | None = None, **extra) -> dict:
        return {
            "id": id_,
            "type": kind or source.type,
            "domain": source.domain,
            "text": _text(source.text),
            **extra,
        }

    return {
        "slug": "all-types",
        "version": 1,
        "kind": "questionnaire",
        "status": "published",
        "title": _text(gp.title),
        "intro": _text(gp.intro),
        "provider_groups": ["prehospital"],
        "adjusters": [],
        "sections": [
            {
                "id": "every",
                "title": _text(gp.sections[0].title),
                "items": [
                    item(
                        "at.likert",
                        likert,
                        answers=_options(likert),
                        required=True,
                        help=_text(likert.help),
                    ),
                    item("at.yesno", yes_no, answers=_options(yes_no)),
                    item(
                        "at.yesno_followup",
                        other,
                        answers=_options(other),
                        show_if={"item": "at.yesno", "in": ["yes"]},
                    ),
                    item("at.fft", fft, answers=_options(fft)),
                    item("at.nps", third, "nps"),
                    item("at.choice", choice, answers=_options(choice)),
                    item("at.count", fourth, "number", min=0, max=30),
                    item("at.comment", comment, max_length=2000),
                ],
            }
        ],
    }


# Run in a subprocess against the site's database: prints one raw token a line.
_ISSUE = """
import asyncio, datetime as dt, sys
from survey_service.cli.common import open_database
import secrets
from survey_service.distribution.tables import SmsContact
from survey_service.invitations.service import issue_invitation_row
from survey_service.practices import get_practice
from survey_service.questionnaires.loader import load_catalogue
from survey_service.questionnaires.tables import QuestionnaireVersion

code, count, language, days = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
sms = sys.argv[5] == "sms"  # with the contact row an SMS link has, so /stop opens

async def main():
    settings = open_database()
    practice = await get_practice(code)
    q = load_catalogue(settings=settings).for_sector(practice.sector)
    version = await QuestionnaireVersion.objects().where(
        (QuestionnaireVersion.slug == q.slug) & (QuestionnaireVersion.version == q.version)
    ).first()
    for _ in range(count):
        invitation, token = await issue_invitation_row(
            practice.id, version.id, visit_date=dt.date.today(), language=language,
            valid_days=days, module=q.draw_module(),
        )
        if sms:
            await SmsContact(invitation=invitation, opt_out_key=secrets.token_hex(32)).save()
        print(token)

asyncio.run(main())
"""


@dataclass(frozen=True)
class Site:
    base: str
    env: dict[str, str]
    cwd: Path

    def links(
        self,
        count: int = 1,
        practice: str = GP,
        language: str = "",
        days: int = 14,
        sms: bool = False,
    ) -> list[str]:
        """``count`` fresh single-use links (``days`` < 0: already expired; ``sms``:
        with the contact an SMS link has, so its ``/stop`` page opens)."""
        flag = "sms" if sms else "-"
        args = [practice, str(count), language, str(days), flag]
        tokens = _python(_ISSUE, args, self.env, self.cwd).split()
        assert len(tokens) == count, tokens
        return [f"{self.base}/s/{token}" for token in tokens]


def catalogue_directory(target: Path) -> Path:
    """The shipped questionnaires plus ``all-types``, in ``target``."""
    shipped = Path(str(resources.files("questionnaires")))
    shutil.copytree(shipped, target, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    (target / "all-types").mkdir()
    text = yaml.safe_dump(all_types_questionnaire(), allow_unicode=True, sort_keys=False)
    (target / "all-types" / "1.yaml").write_text(text, encoding="utf-8")
    return target


# Run in a subprocess: what `db migrate` and two `practice add` would do, in one
# interpreter start (each CLI start costs seconds on a busy test machine).
_SET_UP = """
import asyncio
from survey_service.cli.common import open_database
from survey_service.db.migrate import migrate
from survey_service.practices import add_practice

async def main():
    open_database()
    await migrate()
    await add_practice("GP", "Lægehuset Prøvegade", "gp", "Aarhus")
    await add_practice("ALL_TYPES", "Akutklinik Prøve", "prehospital", "Aarhus")

asyncio.run(main())
""".replace('"GP"', repr(GP)).replace('"ALL_TYPES"', repr(ALL_TYPES))


def _python(code: str, args: list[str], env: dict[str, str], cwd: Path) -> str:
    result = subprocess.run(
        [sys.executable, "-c", code, *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


@contextlib.contextmanager
def patient_site(data: Path) -> Iterator[Site]:
    """A migrated SQLite site with a GP and an all-types unit, served until the block ends."""
    env = {
        **os.environ,
        "SURVEY_SERVICE_DATA_DIR": str(data),
        "DATABASE_URL": f"sqlite:///{data / 'site.sqlite'}",
        "SURVEY_QUESTIONNAIRE_DIR": str(catalogue_directory(data / "questionnaires")),
        "TRUSTED_PROXIES": "127.0.0.1/32",
    }
    _python(_SET_UP, [], env, data)
    with running_service(["serve"], env, data / "serve.log", cwd=data) as base:
        yield Site(base, env, data)


def launch(pw):
    """Debian's Chromium, headless, with nothing of its own going out to the network."""
    return pw.chromium.launch(
        executable_path=CHROMIUM,
        args=[
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    )


def offered_languages() -> tuple[str, ...]:
    """The languages patients are offered, from the code (never a list of our own)."""
    return patient_languages()


def radio_names(page) -> list[str]:
    # eval_on_selector_all runs in Playwright's own world: it works with page scripts off.
    return page.eval_on_selector_all(
        "input[type=radio]", "els => [...new Set(els.map(e => e.name))]"
    )
