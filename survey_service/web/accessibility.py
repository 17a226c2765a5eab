"""The accessibility statement (``/accessibility``), in Danish and English.

Danish public bodies must publish one for each website (lov om tilgængelighed
af offentlige organers websteder og mobilapplikationer): how far the site
conforms to WCAG (through EN 301 549), what is known not to, and whom to tell.
The claim is "partly conforming": what is tested is tested automatically and
by keyboard, not yet with screen-reader users, and the gaps are listed.
"""

from __future__ import annotations

import datetime as dt

from babel.dates import format_date
from litestar import get
from litestar.response import Template
from markupsafe import Markup

from survey_service.rendering import page
from survey_service.settings import Settings
from survey_service.web.dependencies import LanguagePreference

#: When the statement was last reviewed against the pages; change with it.
REVIEWED = dt.date(2026, 12, 1)


@get("/accessibility", include_in_schema=False)
async def accessibility(patient_language: LanguagePreference, settings: Settings) -> Template:
    language = patient_language.choose()
    contact = settings.accessibility_contact
    return page(
        "accessibility.html",
        language,
        contact=contact,
        # Markup.format escapes the address; the settings check keeps it an address.
        contact_link=Markup('<a href="mailto:{0}">{0}</a>').format(contact),
        reviewed=format_date(REVIEWED, "long", locale=language),
    )
