"""Staff login and logout (``/login``, ``/logout``).

``POST /login`` checks the password through
:func:`survey_service.accounts.authenticate` (the one place a login method
lives), starts a new session and answers 303 to ``next`` when it is a path on
this site, else to ``/``. A wrong email or password shows the form again
(401) with one message for both; repeated failures get 429 with
``Retry-After`` (see ``accounts/throttle.py``). ``GET /logout`` shows a
button, because a logout by GET could be triggered by any other site's
``<img>``; ``POST /logout`` ends the session.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import Cookie, State
from litestar.response import Redirect, Template

from survey_service.accounts.service import LoginFailed, authenticate, record_audit
from survey_service.accounts.sessions import Sessions
from survey_service.accounts.tables import User
from survey_service.accounts.throttle import LoginThrottled, Throttle
from survey_service.i18n import translations
from survey_service.localtime import utc_now
from survey_service.rendering import page
from survey_service.responses.answering import clean_text
from survey_service.settings import Settings
from survey_service.web.dependencies import LanguagePreference, session_cookie_name
from survey_service.web.guard import client_address

__all__ = ["LoginController", "safe_next"]


def safe_next(target: str | None) -> str:
    """``target`` when it is a path on this site, else ``/`` (no open redirect)."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return "/"
    if "\\" in target or any(ord(c) < 32 for c in target):
        return "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return "/"
    return target


def _login_page(
    language: str, *, next_path: str, email: str = "", problem: str = "", status: int = 200
) -> Template:
    return page(
        "login.html",
        language,
        status_code=status,
        next=next_path,
        email=email,
        problem=problem,
    )


def _form_text(form: object, name: str) -> str:
    value = form.get(name) if hasattr(form, "get") else None
    # Control characters stripped: PostgreSQL refuses NUL in a query (a 500).
    return clean_text(value) if isinstance(value, str) else ""


class LoginController(Controller):
    include_in_schema = False

    @get("/login")
    async def form(self, request: Request, patient_language: LanguagePreference) -> Template:
        # Shown even when logged in: logging in again (as someone else) replaces the session.
        next_path = safe_next(request.query_params.get("next"))
        return _login_page(patient_language.choose(), next_path=next_path)

    @post("/login", status_code=303)
    async def login(
        self,
        request: Request,
        state: State,
        settings: Settings,
        sessions: Sessions,
        patient_language: LanguagePreference,
    ) -> Response:
        form = await request.form()
        email, password = _form_text(form, "email"), _form_text(form, "password")
        next_path = safe_next(_form_text(form, "next"))
        language = patient_language.choose()
        _ = translations(language).gettext
        throttle: Throttle = state.throttle
        # The same client address as the link guard's (X-Forwarded-For only from a proxy).
        address = client_address(request, settings.trusted_networks)
        now = utc_now()
        try:
            user = await authenticate(email, password, address=address, throttle=throttle, now=now)
        except LoginFailed:
            problem = _("The email or the password is wrong.")
            return _login_page(
                language, next_path=next_path, email=email, problem=problem, status=401
            )
        except LoginThrottled as exc:
            problem = _(
                "Too many failed attempts. Please wait %(seconds)s seconds and try again."
            ) % {"seconds": exc.retry_after}
            template = _login_page(
                language, next_path=next_path, email=email, problem=problem, status=429
            )
            template.headers["retry-after"] = str(exc.retry_after)
            return template
        cookie_name = session_cookie_name(settings)
        # A session id the browser brought (perhaps planted) is dropped, never promoted.
        await sessions.end(request.cookies.get(cookie_name, ""))
        session_id = await sessions.start(user.id, now)
        return Redirect(
            next_path,
            status_code=303,
            cookies=[
                Cookie(
                    key=cookie_name,
                    value=session_id,
                    path="/",
                    secure=settings.public_base_url.startswith("https://"),
                    httponly=True,
                    samesite="lax",
                )
            ],
        )

    @get("/logout")
    async def ask_logout(
        self, patient_language: LanguagePreference, current_user: User | None
    ) -> Template:
        return page("logout.html", patient_language.choose(), user=current_user)

    @post("/logout", status_code=303)
    async def logout(
        self,
        request: Request,
        settings: Settings,
        sessions: Sessions,
        current_user: User | None,
    ) -> Response:
        cookie_name = session_cookie_name(settings)
        await sessions.end(request.cookies.get(cookie_name, ""))
        if current_user is not None:
            await record_audit(current_user.email, "logout", current_user.email)
        response = Redirect("/logout", status_code=303)
        response.delete_cookie(cookie_name, path="/")
        return response
