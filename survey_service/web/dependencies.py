"""What handlers are given (Litestar ``Provide``), so none reads ``app.state`` itself.

- ``settings``: the one :class:`~survey_service.settings.Settings` of this app;
- ``published``: the catalogue bound to its database ids;
- ``patient_language``: the patient's language preference for this request;
- ``guard``: the link-guess guard bound to this request's client;
- ``questions``: the cache of blank question lists;
- ``demo_links``: the survey links the demo printed (empty otherwise);
- ``current_user``: the logged-in :class:`~survey_service.accounts.tables.User`, or None
  (handlers that need a role call :func:`require_role` on it);
- ``sessions``: the login sessions (database or Redis) under the configured timeouts.
"""

from __future__ import annotations

from dataclasses import dataclass

from litestar import Request
from litestar.datastructures import State
from litestar.di import Provide

from survey_service.accounts.service import LoginRequired, get_user
from survey_service.accounts.sessions import Sessions
from survey_service.accounts.tables import User
from survey_service.errors import NotAllowed
from survey_service.i18n import choose_language, offered_languages, patient_languages
from survey_service.localtime import utc_now
from survey_service.questionnaires.published import PublishedCatalogue
from survey_service.settings import Settings
from survey_service.web.guard import BoundGuard, LinkGuard
from survey_service.web.question_cache import QuestionCache

__all__ = [
    "LanguagePreference",
    "dependencies",
    "request_language",
    "require_role",
    "session_cookie_name",
]


@dataclass
class LanguagePreference:
    """The patient's explicit choice and browser languages; the invitation adds its own."""

    explicit: str | None
    accept_language: str | None
    request: Request

    def choose(self, invitation: str | None = None, questionnaire: object | None = None) -> str:
        """The language to show, remembered so that error pages speak it too.

        Among the languages ``questionnaire`` is offered in, if given; else among
        the patient languages whose interface is complete.
        """
        available = (
            offered_languages(questionnaire) if questionnaire is not None else patient_languages()
        )
        language = choose_language(self.explicit, invitation, self.accept_language, available)
        self.request.state.language = language
        return language


def request_language(request: Request) -> str:
    """The language already chosen for this request, else from its URL and headers."""
    chosen = request.state.get("language") if hasattr(request, "state") else None
    if isinstance(chosen, str):
        return chosen
    return choose_language(
        request.query_params.get("lang"),
        None,
        request.headers.get("accept-language"),
        patient_languages(),
    )


async def _language(request: Request) -> LanguagePreference:
    explicit = request.query_params.get("lang")
    content_type = request.headers.get("content-type", "")
    if request.method == "POST" and content_type.startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        # A form page carries its language as ``_lang``; the switch's buttons
        # post a new choice as ``lang``, which wins.
        form = await request.form()
        for field in ("_lang", "lang"):
            posted = form.get(field)
            explicit = posted if isinstance(posted, str) and posted else explicit
    preference = LanguagePreference(explicit, request.headers.get("accept-language"), request)
    preference.choose()  # until the invitation's language is known
    return preference


def _settings(state: State) -> Settings:
    settings: Settings = state.settings
    return settings


def _published(state: State) -> PublishedCatalogue:
    published: PublishedCatalogue = state.published
    return published


def _guard(request: Request, state: State) -> BoundGuard:
    link_guard: LinkGuard = state.link_guard
    return BoundGuard(link_guard, request)


def _questions(state: State) -> QuestionCache:
    cache: QuestionCache = state.question_cache
    return cache


def _demo_links(state: State) -> list[dict[str, str]]:
    links: list[dict[str, str]] = state.get("demo_links", [])
    return links


def session_cookie_name(settings: Settings) -> str:
    # __Host- needs Secure, which needs HTTPS; plain-HTTP demos use the bare name.
    return "__Host-session" if settings.public_base_url.startswith("https://") else "session"


def _sessions(state: State) -> Sessions:
    sessions: Sessions = state.sessions
    return sessions


async def _current_user(request: Request, state: State) -> User | None:
    settings: Settings = state.settings
    sessions: Sessions = state.sessions
    session_id = request.cookies.get(session_cookie_name(settings), "")
    user_id = await sessions.resolve(session_id, utc_now())
    if user_id is None:
        return None
    user = await get_user(user_id)
    # Disabling ends the sessions too; this covers a store that missed it.
    return user if user is not None and user.active else None


def require_role(user: User | None, *roles: str) -> User:
    """``user`` when logged in with one of ``roles``; else 401 (a login redirect) or 403."""
    if user is None:
        raise LoginRequired()
    if user.role not in roles:
        raise NotAllowed(f"this page is for: {', '.join(roles)}")
    return user


def dependencies() -> dict[str, Provide]:
    return {
        "settings": Provide(_settings, sync_to_thread=False),
        "published": Provide(_published, sync_to_thread=False),
        # Not "language": a dependency must not share a name with a body field
        # (Litestar would report a bad field as a 500, blaming the dependency).
        "patient_language": Provide(_language),
        "guard": Provide(_guard, sync_to_thread=False),
        "questions": Provide(_questions, sync_to_thread=False),
        "demo_links": Provide(_demo_links, sync_to_thread=False),
        "current_user": Provide(_current_user),
        "sessions": Provide(_sessions, sync_to_thread=False),
    }
