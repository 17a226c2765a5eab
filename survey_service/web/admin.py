"""Administrators' pages: the audit trail (``/admin/audit``, admins only)."""

from __future__ import annotations

import datetime as dt

from litestar import get
from litestar.response import Template

from survey_service.accounts.service import list_audit
from survey_service.accounts.tables import User
from survey_service.errors import InvalidInput
from survey_service.rendering import page
from survey_service.web.dependencies import LanguagePreference, require_role


@get("/admin/audit", include_in_schema=False)
async def audit_page(
    current_user: User | None, patient_language: LanguagePreference, since: str | None = None
) -> Template:
    require_role(current_user, "admin")
    try:
        since_date = dt.date.fromisoformat(since) if since else None
    except ValueError:
        raise InvalidInput.of({"since": "write YYYY-MM-DD"}) from None
    events = await list_audit(since_date)
    return page("admin_audit.html", patient_language.choose(), events=events)
