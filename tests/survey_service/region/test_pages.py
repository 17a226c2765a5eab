"""The region's pages: who may see them, what they show, and what they refuse."""

from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ET

import pytest

from .conftest import MU, S_W, TAU2

pytestmark = pytest.mark.anyio

SVG = "{http://www.w3.org/2000/svg}"

#: Every region route, drill-down included.
ROUTES = (
    "/region",
    "/region?period=2026-11&measure=communication/mini.listened",
    "/region?sort=bogus",
    "/region/sectors",
    "/region/sectors?period=2026-11",
    "/region/sectors/hospital/gp",
    "/region/sectors/hospital/gp?sort=n",
)


def _svgs(html: str) -> list[ET.Element]:
    return [ET.fromstring(s) for s in re.findall(r"<svg.*?</svg>", html, flags=re.S)]


def _rows(html: str) -> list[str]:
    """Unit codes in the units table's order."""
    body = html[html.index('<table class="units">') :]
    return re.findall(
        r'<tr(?: class="suppressed")?><th scope="row"><a href="/feedback/(\w+)"', body
    )


@pytest.mark.parametrize("route", ROUTES)
async def test_a_practitioner_gets_403_on_every_route(accounts, logged_in, route):
    async with logged_in(accounts["gp"]) as client:
        response = await client.get(route)
    assert response.status_code == 403
    assert "Klinik Alfa" not in response.text and "<svg" not in response.text


@pytest.mark.parametrize("route", ROUTES)
async def test_not_logged_in_is_sent_to_login(accounts, logged_in, route):
    async with logged_in(None) as client:
        response = await client.get(route, headers={"accept": "text/html"}, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login?next=%2Fregion")


@pytest.mark.parametrize("role", ["analyst", "admin"])
@pytest.mark.parametrize("route", ["/region", "/region/sectors", "/region/sectors/hospital/gp"])
async def test_analyst_and_admin_read_every_route(accounts, logged_in, role, route):
    async with logged_in(accounts[role]) as client:
        response = await client.get(route)
    assert response.status_code == 200, response.text
    assert "2026-11" in response.text


async def test_only_the_newest_released_revision_shows(accounts, logged_in):
    async with logged_in(accounts["analyst"]) as client:
        page = (await client.get("/region?lang=en")).text
        october = await client.get("/region?period=2026-10")
        sectors = (await client.get("/region/sectors?lang=en")).text
        drill = (await client.get("/region/sectors/hospital/gp?lang=en")).text
    assert "85.5" in page and "80.0" in page  # revision 1 of November
    # Revision 2 of November and October were built but never released (numbers +7.77).
    for html in (page, sectors, drill):
        # The words and titles (coordinates in the drawing are no numbers of anyone's).
        titles = [t.text or "" for svg in _svgs(html) for t in svg.iter(f"{SVG}title")]
        text = re.sub(r"<svg.*?</svg>", "", html, flags=re.S) + " ".join(titles)
        assert "93.3" not in text and "87.8" not in text and "2026-10" not in text
    assert "38.8" not in sectors and "42.8" not in re.sub(r"<svg.*?</svg>", "", drill, flags=re.S)
    assert october.status_code == 404
    assert "2026-10" in october.text  # the page says which choice has nothing


async def test_suppressed_units_show_under_10_and_nothing_else(accounts, logged_in):
    async with logged_in(accounts["analyst"]) as client:
        page = (await client.get("/region?lang=en")).text
        drill = (await client.get("/region/sectors/hospital/gp?lang=en")).text
    for text in (page, drill):
        row = re.search(r'<tr class="suppressed">.*?</tr>', text, flags=re.S)
        assert row and "Klinik Gamma" in row[0] and "&lt;10" in row[0]
        assert not re.search(r"\d+\.\d", row[0])  # no number at all
        assert ">6<" not in row[0] and ">5<" not in row[0]  # not even the exact n
        svg = ET.tostring(_svgs(text)[0], encoding="unicode")
        assert "P0003" not in svg and "Klinik Gamma" not in svg  # no point


async def test_every_point_is_a_focusable_link_with_a_title(accounts, logged_in):
    async with logged_in(accounts["analyst"]) as client:
        page = (await client.get("/region?lang=en")).text
    [svg] = _svgs(page)
    assert svg.get("aria-labelledby") and svg.get("aria-describedby")
    assert svg.find(f"{SVG}title") is not None and svg.find(f"{SVG}desc") is not None
    points = svg.findall(f".//{SVG}a")
    assert sorted(a.get("href") for a in points) == [
        "/feedback/P0001", "/feedback/P0002", "/feedback/P0004", "/feedback/P0005",
    ]  # fmt: skip
    for a in points:
        assert a.get("tabindex") == "0"
        title = a.find(f"{SVG}title")
        assert title is not None and "answers" in (title.text or "")
    alfa = next(a for a in points if a.get("href") == "/feedback/P0001")
    assert "Klinik Alfa (P0001): 40 answers, 85.5" in alfa.find(f"{SVG}title").text


async def test_no_label_below_20_answers(accounts, logged_in):
    async with logged_in(accounts["analyst"]) as client:
        page = (await client.get("/region?lang=en")).text
    delta = re.search(r"<tr><th scope=\"row\"><a href=\"/feedback/P0004\">.*?</tr>", page, re.S)
    assert delta and "Better than the region" not in delta[0]
    assert "not yet reliable enough" in delta[0]
    [svg] = _svgs(page)
    labels = [t.text for t in svg.iter(f"{SVG}text")]
    assert "P0004" not in labels  # far above the funnel, but on 15 answers: no label
    assert "P0002" in labels  # 120 answers, outside the limits: labelled


def _limit_y(svg: ET.Element, name: str, x: float) -> float:
    line = next(p for p in svg.iter(f"{SVG}polyline") if p.get("data-limit") == name)
    points = [tuple(map(float, p.split(","))) for p in line.get("points").split()]
    return next(py for px, py in points if abs(px - x) < 0.01)


async def test_funnel_limits_are_mu_plus_minus_z_sqrt_sw2_over_n_plus_tau2(accounts, logged_in):
    from survey_service.region.charts import funnel_scale

    async with logged_in(accounts["analyst"]) as client:
        page = (await client.get("/region?lang=en")).text
    # By hand at n = 50: sqrt(400 / 50 + 4) = sqrt(12) = 3.4641
    half95, half998 = 1.959964 * math.sqrt(12), 3.090232 * math.sqrt(12)
    assert f"{MU - half95:.1f}–{MU + half95:.1f}" == "73.2–86.8"
    assert '<th scope="row">50</th><td>73.2–86.8</td><td>69.3–90.7</td>' in page
    # And the drawn curves pass through the same values at a unit's n (P0001: 40).
    half = 1.959964 * math.sqrt(S_W**2 / 40 + TAU2)
    [svg] = _svgs(page)
    from survey_service.region.charts import FunnelPoint

    points = [FunnelPoint(c, n, v, "as_expected", "", "") for c, n, v in
              (("P0001", 40, 85.5), ("P0002", 120, 70.2), ("P0004", 15, 95.0),
               ("P0005", 60, 78.0))]  # fmt: skip
    scale = funnel_scale("mean", MU, S_W, TAU2, points)
    x = round(scale.x(40), 2)
    assert _limit_y(svg, "95-upper", x) == pytest.approx(scale.y(MU + half), abs=0.01)
    assert _limit_y(svg, "95-lower", x) == pytest.approx(scale.y(MU - half), abs=0.01)
    assert half998 > half95


@pytest.mark.parametrize(
    ("query", "order"),
    [
        ("sort=adjusted&dir=desc", ["P0004", "P0001", "P0005", "P0002", "P0003"]),
        ("sort=adjusted&dir=asc", ["P0002", "P0005", "P0001", "P0004", "P0003"]),
        ("sort=n&dir=desc", ["P0002", "P0005", "P0001", "P0004", "P0003"]),
        ("sort=name&dir=asc", ["P0001", "P0002", "P0004", "P0005", "P0003"]),
        ("sort=interval&dir=asc", ["P0002", "P0005", "P0001", "P0004", "P0003"]),
    ],
)
async def test_sort_links_order_the_table(accounts, logged_in, query, order):
    async with logged_in(accounts["analyst"]) as client:
        page = (await client.get(f"/region?{query}")).text
    assert _rows(page) == order
    # The column's header links to the other direction.
    key, direction = re.match(r"sort=(\w+)&dir=(\w+)", query).groups()
    other = "asc" if direction == "desc" else "desc"
    assert f'href="/region?sort={key}&amp;dir={other}"' in page


async def test_filters_narrow_the_table_not_the_funnel(accounts, logged_in):
    async with logged_in(accounts["analyst"]) as client:
        page = (await client.get("/region?sector=gp&area=Aarhus&lang=en")).text
        item = (await client.get("/region?measure=communication/mini.listened&lang=en")).text
    assert _rows(page) == ["P0001", "P0002"]
    # Every domain and question is one link away, with the filters kept.
    assert (
        'href="/region?sector=gp&amp;area=Aarhus&amp;lang=en&amp;measure=communication%2Fmini.listened"'
        in page
    )
    assert "80.0" in page  # the region's mean stays the region's
    assert "The doctor listened to me." in item and "82.5" in item  # 85.5 - 3 for the item


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ("sort=bogus", "sort"),
        ("sort=n&dir=sideways", "dir"),
        ("period=2026-13", "period"),
        ("period=last", "period"),
        ("sector=bakery", "sector"),
        ("measure=Not%20a%20domain", "measure"),
        ("questionnaire=%3Cscript%3E", "questionnaire"),
        ("level=%2F%2F", "level"),
    ],
)
async def test_bad_parameters_are_400_naming_the_parameter(accounts, logged_in, query, parameter):
    async with logged_in(accounts["analyst"]) as client:
        response = await client.get(f"/region?{query}&lang=en")
    assert response.status_code == 400
    assert f"“{parameter}”" in response.text
    assert "<script>" not in response.text


async def test_bad_drill_down_parameters_are_400(accounts, logged_in):
    async with logged_in(accounts["analyst"]) as client:
        sector = await client.get("/region/sectors/bakery/gp?lang=en")
        sort = await client.get("/region/sectors/hospital/gp?sort=bogus&lang=en")
        period = await client.get("/region/sectors?period=soon&lang=en")
    assert sector.status_code == sort.status_code == period.status_code == 400
    assert "“from”" in sector.text and "“sort”" in sort.text and "“period”" in period.text


@pytest.mark.parametrize(
    "route",
    [
        "/region?period=2025-01",
        "/region?questionnaire=other",
        "/region?measure=access",
        "/region?level=area",
        "/region/sectors?period=2025",
        "/region/sectors/gp/psychiatry",
    ],
)
async def test_unknown_choices_are_a_clear_404(accounts, logged_in, route):
    async with logged_in(accounts["analyst"]) as client:
        response = await client.get(route + ("&" if "?" in route else "?") + "lang=en")
    assert response.status_code == 404
    assert "No released results for this choice" in response.text


async def test_nothing_released_is_a_404_page(db, logged_in):
    from survey_service.accounts.service import add_user

    from .conftest import PASSWORD

    await add_user("analyst@example.dk", PASSWORD, "analyst")
    async with logged_in("analyst@example.dk") as client:
        funnel = await client.get("/region?lang=en")
        sectors = await client.get("/region/sectors?lang=en")
    assert funnel.status_code == sectors.status_code == 404
    assert "No released results yet" in funnel.text and "No released results yet" in sectors.text


async def test_heat_map_has_a_number_in_every_non_empty_cell(accounts, logged_in):
    async with logged_in(accounts["analyst"]) as client:
        page = (await client.get("/region/sectors?lang=en")).text
    [svg] = _svgs(page)
    cells = svg.findall(f".//{SVG}a")
    texts = {a.get("href").split("?")[0]: a.find(f"{SVG}text").text for a in cells}
    assert texts == {
        "/region/sectors/gp/hospital": "12 %",
        "/region/sectors/hospital/gp": "31 %",
        "/region/sectors/municipality/gp": "<10 answers",
    }
    for a in cells:
        assert a.get("tabindex") == "0" and a.find(f"{SVG}title").text
    # The same numbers as a table, and the hand-over in words from the question texts.
    assert "<td>31.0 %</td>" in page and '<td class="num">25.1–36.9 %</td>' in page
    assert "“Did your doctor know what happened at the hospital?”" in page


async def test_drill_down_draws_the_proportion_funnel(accounts, logged_in):
    async with logged_in(accounts["analyst"]) as client:
        page = (await client.get("/region/sectors/hospital/gp?lang=en")).text
    [svg] = _svgs(page)
    assert sorted(a.get("href") for a in svg.findall(f".//{SVG}a")) == [
        "/feedback/P0001",
        "/feedback/P0002",
    ]
    # Limits on the arcsine scale at n = 50: sin^2(asin(sqrt(0.2)) +/- z sqrt(1/200 + 0.01)).
    theta, half = math.asin(math.sqrt(0.2)), 1.959964 * math.sqrt(1 / 200 + 0.01)
    low, high = math.sin(theta - half) ** 2 * 100, math.sin(theta + half) ** 2 * 100
    assert f'<th scope="row">50</th><td>{low:.1f}–{high:.1f}</td>' in page
    assert _rows(page) == ["P0002", "P0001", "P0003"]
    # A share's interval stops at 0 % (the stored linear-model interval went below).
    assert "0.0–39.8 %" in page and "-3.1" not in page


async def test_danish_is_the_default_and_english_on_request(accounts, logged_in):
    async with logged_in(accounts["analyst"]) as client:
        danish = (await client.get("/region", headers={"accept-language": "da"})).text
        english = (await client.get("/region?lang=en")).text
    assert '<html lang="da"' in danish and '<html lang="en"' in english
    assert "Number of answers" in english and "Number of answers" not in danish


async def test_analysts_open_every_units_feedback(accounts, logged_in):
    async with logged_in(accounts["analyst"]) as client:
        for code in ("P0001", "P0003", "P0005"):
            assert (await client.get(f"/feedback/{code}")).status_code == 200
