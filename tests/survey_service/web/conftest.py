"""Fixtures of the browser checks of patient pages (axe, keyboard, phone layout).

One real server serves all three modules (each opens its own links, so they do not
meet); each module gets its own Chromium, closed at its end, so Playwright's event
loop never outlives the module into the asyncio tests that follow.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from .patient_site import Site, launch, patient_site


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    with patient_site(tmp_path_factory.mktemp("patient-site")) as running:
        yield running


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = launch(pw)
        yield chromium
        chromium.close()
