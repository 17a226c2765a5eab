"""Administrators' pages (admins only): the audit trail and the staff accounts.

``GET /admin/users`` lists every account; ``POST /admin/users/{id}/disable``
and ``.../enable`` change one. The forms carry the CSRF token and are subject
to the app-wide Origin check (``web/security.py``) like every other form.
Disabling goes through :func:`survey_service.accounts.disable_account`, the
same use case as ``survey-service user disable``, so the user's sessions end
at once. Both changes go to the audit trail (the service records them).
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from litestar import Controller, Response, get, post
from litestar.response import Redirect, Template

from survey_service.accounts.service import (
    CannotDisableSelf,
    UnknownUser,
    disable_account,
    enable_user,
    get_user,
    last_logins,
    list_audit,
    list_users,
)
from survey_service.accounts.sessions import Sessions
from survey_service.accounts.tables import User
from survey_service.errors import InvalidInput
from survey_service.i18n import translations
from survey_service.rendering import page
from survey_service.web.dependencies import LanguagePreference, require_role

__all__ = ["AdminController"]

USERS_PATH = "/admin/users"


async def _users_page(
    admin: User, language: str, *, problem: str = "", status: int = 200
) -> Template:
    logins = await last_logins()
    return page(
        "admin_users.html",
        language,
        status_code=status,
        accounts=await list_users(),
        last_login=logins,
        me=admin.email,
        problem=problem,
    )


async def _target(user_id: int) -> User:
    user = await get_user(user_id)
    if user is None:
        raise UnknownUser(f"no user has id {user_id}")
    return user


def _back_to_list(preference: LanguagePreference, language: str) -> Redirect:
    # Post/redirect/get: reloading the list never repeats the change. The
    # language the form was shown in travels along when it was chosen explicitly.
    query = f"?{urlencode({'lang': language})}" if preference.explicit else ""
    return Redirect(USERS_PATH + query, status_code=303)


class AdminController(Controller):
    include_in_schema = False

    @get("/admin/audit")
    async def audit_page(
        self,
        current_user: User | None,
        patient_language: LanguagePreference,
        since: str | None = None,
    ) -> Template:
        require_role(current_user, "admin")
        try:
            since_date = dt.date.fromisoformat(since) if since else None
        except ValueError:
            raise InvalidInput.of({"since": "write YYYY-MM-DD"}) from None
        events = await list_audit(since_date)
        return page("admin_audit.html", patient_language.choose(), events=events)

    @get(USERS_PATH)
    async def users_page(
        self, current_user: User | None, patient_language: LanguagePreference
    ) -> Template:
        admin = require_role(current_user, "admin")
        return await _users_page(admin, patient_language.choose())

    @post(USERS_PATH + "/{user_id:int}/disable", status_code=303)
    async def disable(
        self,
        user_id: int,
        current_user: User | None,
        patient_language: LanguagePreference,
        sessions: Sessions,
    ) -> Response:
        admin = require_role(current_user, "admin")
        language = patient_language.choose()
        target = await _target(user_id)
        try:
            await disable_account(target.email, sessions.store, actor=admin.email)
        except CannotDisableSelf:
            _ = translations(language).gettext
            problem = _("You cannot disable your own account. Ask another administrator to do it.")
            return await _users_page(admin, language, problem=problem, status=409)
        return _back_to_list(patient_language, language)

    @post(USERS_PATH + "/{user_id:int}/enable", status_code=303)
    async def enable(
        self, user_id: int, current_user: User | None, patient_language: LanguagePreference
    ) -> Response:
        admin = require_role(current_user, "admin")
        language = patient_language.choose()
        target = await _target(user_id)
        await enable_user(target.email, actor=admin.email)
        return _back_to_list(patient_language, language)
