"""Security test plan check 4: schemathesis on /schema/openapi.json, both databases.

Every operation in the published OpenAPI document is fuzzed with positive and
negative data (schemathesis 4, its Python API, the app in-process over ASGI on
the test database). Pass: 0 server errors and 0 schema violations — every
status, content type, header and body an operation answers is one its
documentation promises.

Schemathesis only knows what the schema says, so some help keeps the run from
bouncing off the front door: most requests carry the practice's API key (the
rest none or a wrong one);
``{code}``, ``{slug}`` and ``{version}`` name the key's own practice and a
published questionnaire half of the time; most submissions use a fresh, valid
link, half of all with a valid answer set;
operations whose body the schema does not describe get visit- and slip-shaped
JSON with fuzzed fields. The unknown-link guard is given a high limit here
(its 429 is tested in test_guard.py), or after 20 misses every submission
would be a 429 and the storing path would go untested.

Bounded: ``SCHEMATHESIS_EXAMPLES`` (default 40) examples per operation and
generation mode. A failing example does not end its operation's run: every
distinct finding (operation, mode, check, status) is collected with its first
reproduction, and all are reported together, so an undocumented status cannot
hide a server error behind it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
from collections import Counter
from typing import Any

import anyio
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.core.failures import FailureGroup

from survey_service.practices import add_practice
from survey_service.responses.tables import Response
from survey_service.settings import load_settings
from survey_service.web import create_app
from survey_service.web.guard import LinkGuard, MemoryCounterStore

pytestmark = pytest.mark.anyio

EXAMPLES = int(os.environ.get("SCHEMATHESIS_EXAMPLES", "40"))
#: Schema-valid data may still be refused for what a schema cannot say (an item
#: id the questionnaire lacks, an expired link): 410 and 422 are those answers.
CONFIG = schemathesis.Config.from_dict(
    {
        "checks": {
            "positive_data_acceptance": {
                "expected-statuses": ["2xx", "3xx", 401, 403, 404, 409, 410, 422, 429]
            }
        }
    }
)
SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
    phases=[Phase.explicit, Phase.generate],
)
VALID_ANSWERS = [
    {"mini.listened": "4"},
    {"mini.listened": "5", "mini.visits": 3},
    {"mini.listened": "na", "mini.hospital_contact": "yes", "mini.gp_knew": "partly"},
]
JSON_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20)
)
ANY_JSON = st.recursive(
    JSON_SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=10), inner),
    max_leaves=8,
)


def _shaped_bodies(path: str, code: str) -> st.SearchStrategy[Any]:
    """Valid visit/slip JSON with 0-2 fields changed or dropped, lists of it, any JSON."""
    today = dt.date.today()
    valid: dict[str, Any] = {"practice": code, "visit_date": today.isoformat()}
    valid |= {"format": "svg"} if path.endswith("/slips") else {"phone": "+4520123456"}
    fuzzed = {
        "practice": st.sampled_from([code, "P0001", "NOPE", " "]),
        "visit_date": st.sampled_from(
            [(today - dt.timedelta(days=3)).isoformat(), "2026-02-30", "24/11/2026", ""]
        )
        | st.dates().map(dt.date.isoformat),
        "phone": st.sampled_from(["20 12 34 56", "+45 2012 3456", "123", "+4712345678"])
        | st.text(max_size=16),
        "language": st.sampled_from(["da", "en", "fr"]),
        "questionnaire": st.sampled_from(["mini", "mini-module", "nope", ""]),
        "format": st.sampled_from(["svg", "png", "pdf"]),
        "x": JSON_SCALARS,
    }
    change = st.sampled_from(sorted(fuzzed)).flatmap(
        lambda name: st.tuples(st.just(name), st.none() | fuzzed[name] | JSON_SCALARS)
    )
    one = st.lists(change, max_size=2).map(
        lambda changes: {
            k: v
            for k, v in {**valid, **dict(changes)}.items()
            if not (v is None and k in dict(changes))
        }
    )
    return one | st.lists(one, min_size=1, max_size=4) | ANY_JSON


def _fuzz_operation(
    operation,
    mode: GenerationMode,
    auth: dict[str, str],
    code: str,
    tokens: list[str],
    statuses: Counter,
    findings: dict[tuple, str],
) -> None:
    declares_body = bool(operation.body)
    shaped = _shaped_bodies(operation.path, code)

    @SETTINGS
    @given(
        case=operation.as_strategy(generation_mode=mode),
        known_path=st.booleans(),
        submission=st.sampled_from(["as generated", "fresh link", "valid", "valid"]),
        valid=st.tuples(st.sampled_from(VALID_ANSWERS), st.sampled_from([None, "da", "en"])),
        shaped_body=shaped,
        key=st.sampled_from(["valid", "valid", "valid", "none", "wrong"]),
    )
    def run(case, known_path, submission, valid, shaped_body, key):
        # Overrides keep data valid, so only positive cases get them.
        positive = mode is GenerationMode.POSITIVE
        if positive and known_path and case.path_parameters:
            known = {"code": code, "slug": "mini", "version": 1}
            case.path_parameters.update(
                {k: v for k, v in known.items() if k in case.path_parameters}
            )
        if positive and isinstance(case.body, dict) and "token" in case.body:
            if submission != "as generated" and tokens:
                case.body["token"] = tokens.pop()
            if submission == "valid":
                case.body["answers"], case.body["language"] = dict(valid[0]), valid[1]
        excluded = []
        if not declares_body and case.method.upper() == "POST":
            # Our own JSON, not the schema's: "valid data accepted" does not apply.
            case.body = shaped_body
            case.media_type = "application/json"
            excluded.append(schemathesis.checks.positive_data_acceptance)
        headers = {"valid": auth, "none": {}, "wrong": {"Authorization": "Bearer sk_wrong"}}[key]
        response = case.call(headers=headers)
        statuses[operation.label, response.status_code] += 1
        try:
            case.validate_response(response, excluded_checks=excluded, headers=headers)
        except FailureGroup as group:
            for failure in group.exceptions:
                key = (operation.label, mode.value, failure.title, response.status_code)
                findings.setdefault(key, f"{' '.join(map(str, key))}:\n{group}")

    run()


@pytest.fixture
async def fuzz_target(survey, fixture_catalogue, tmp_path):
    """The app (in-process), a practice's API key and a pool of fresh survey links."""
    _practice, key = await add_practice("F0001", "Fuzz Lægehus", "gp", "Aarhus")
    tokens = [await survey.token() for _ in range(2 * EXAMPLES)]
    # SMS invitations of fuzzed visits go to a file nobody reads (no worker runs anyway).
    app_settings = dataclasses.replace(load_settings(), sms_backend=f"file:{tmp_path / 'sms'}")
    app = create_app(
        settings=app_settings,
        catalogue=fixture_catalogue,
        connection_pool=False,
        link_guard=LinkGuard(MemoryCounterStore(), app_settings.secret_key, limit=10**9),
    )
    return app, key, tokens


async def test_openapi_schema_holds_under_fuzzing(fuzz_target):
    app, key, tokens = fuzz_target
    schema = schemathesis.openapi.from_asgi("/schema/openapi.json", app, config=CONFIG)
    auth = {"Authorization": f"Bearer {key}"}
    findings: dict[tuple, str] = {}
    statuses: Counter = Counter()
    operations = []

    def fuzz_all() -> None:
        for result in schema.get_all_operations():
            operation = result.ok()
            operations.append(operation.label)
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
                try:
                    _fuzz_operation(operation, mode, auth, "F0001", tokens, statuses, findings)
                except Unsatisfiable:
                    pass  # nothing in this operation can be made invalid
                except Exception as exc:
                    findings[operation.label, mode.value, type(exc).__name__] = repr(exc)

    try:
        await anyio.to_thread.run_sync(fuzz_all)
    finally:
        schemathesis.python.asgi.shutdown_lifespans()
    stored = await Response.count()
    print(
        f"\nschemathesis: {len(operations)} operations x 2 modes x <= {EXAMPLES} examples; "
        f"{sum(statuses.values())} requests; {stored} responses stored; "
        f"{len(findings)} distinct findings"
    )
    for label in operations:
        tally = ", ".join(f"{s} x {n}" for (op, s), n in sorted(statuses.items()) if op == label)
        print(f"  {label}: {tally}")
    for key_ in findings:
        print("  finding:", *key_)
    assert not findings, "\n\n".join(findings.values())
    assert not [s for (_, s) in statuses if s >= 500]
    assert len(operations) >= 8
    # Every 201 stored exactly one response, and nothing else stored any.
    assert stored == statuses["POST /api/v1/responses", 201] > 0
