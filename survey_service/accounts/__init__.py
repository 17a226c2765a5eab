"""Staff accounts: users and roles, passwords, sessions, login throttling, the audit trail.

See docs/accounts.md.
"""

from survey_service.accounts.passwords import WeakPassword, check_password, password_problem
from survey_service.accounts.service import (
    ROLES,
    AccountView,
    CannotDisableSelf,
    DuplicateEmail,
    LoginFailed,
    UnknownPractice,
    UnknownUser,
    add_user,
    authenticate,
    disable_account,
    disable_user,
    enable_user,
    get_user,
    last_logins,
    list_audit,
    list_users,
    practices_of,
    record_audit,
)
from survey_service.accounts.sessions import SessionPolicy, Sessions, make_session_store
from survey_service.accounts.throttle import LoginThrottled, Throttle

__all__ = [
    "ROLES",
    "AccountView",
    "CannotDisableSelf",
    "DuplicateEmail",
    "LoginFailed",
    "LoginThrottled",
    "SessionPolicy",
    "Sessions",
    "Throttle",
    "UnknownPractice",
    "UnknownUser",
    "WeakPassword",
    "add_user",
    "authenticate",
    "check_password",
    "disable_account",
    "disable_user",
    "enable_user",
    "get_user",
    "last_logins",
    "list_audit",
    "list_users",
    "make_session_store",
    "password_problem",
    "practices_of",
    "record_audit",
]
