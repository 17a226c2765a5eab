""" "No more texts" (``/s/<token>/stop``), the opt-out link in every SMS.

It sits under ``/s/`` so the access log redacts its token and responses are
never cached, exactly like the survey link itself. Lookups go through the link
guard that protects ``/s/<token>``, so the opt-out link is no side door for
trying tokens.
"""

from __future__ import annotations

from litestar import Controller, get, post
from litestar.response import Template

from survey_service.distribution.optout import key_for_token, opt_out_by_token
from survey_service.i18n import translations
from survey_service.localtime import utc_now
from survey_service.rendering import page
from survey_service.responses.answering import TooManyGuesses
from survey_service.responses.service import UnknownLink
from survey_service.web.dependencies import LanguagePreference
from survey_service.web.guard import BoundGuard


def _opt_out_page(language: str, token: str, *, ask: bool) -> Template:
    _ = translations(language).gettext
    if ask:
        heading = _("Stop text messages from the patient survey?")
        message = _(
            "You will get no more text messages from the patient survey on this phone "
            "number, also after later visits."
        )
    else:
        heading = _("You will get no more text messages from us")
        message = _(
            "Your phone number is on our list of numbers not to contact. We keep it only in "
            "a form that cannot be turned back into the number."
        )
    return page(
        "opt_out.html",
        language,
        heading=heading,
        message=message,
        ask=ask,
        action=f"/s/{token}/stop",
    )


async def _check_known(guard: BoundGuard, token: str) -> None:
    """Raise unless ``token`` is a link whose number we may still opt out."""
    if await guard.blocked():
        raise TooManyGuesses()
    if await key_for_token(token) is None:
        await guard.record_miss()
        raise UnknownLink()


class OptOutController(Controller):
    path = "/s"
    include_in_schema = False

    @get("/{token:str}/stop")
    async def ask(
        self, token: str, guard: BoundGuard, patient_language: LanguagePreference
    ) -> Template:
        await _check_known(guard, token)
        return _opt_out_page(patient_language.choose(), token, ask=True)

    @post("/{token:str}/stop", status_code=200)
    async def confirm(
        self, token: str, guard: BoundGuard, patient_language: LanguagePreference
    ) -> Template:
        await _check_known(guard, token)
        await opt_out_by_token(token, utc_now())
        return _opt_out_page(patient_language.choose(), token, ask=False)
