"""Security test plan check 4: schemathesis on /schema/openapi.json, both databases.

Every operation in the published OpenAPI document is fuzzed (schemathesis 4,
its Python API, the app in-process over ASGI on the test database), in three
runs:

* positive: schema-valid data. Pass: 0 server errors and 0 schema violations —
  every status, content type, header and body an operation answers is one its
  documentation promises — and valid data is not refused beyond what a schema
  cannot say (``positive_data_acceptance``).
* negative: data that breaks the schema (wrong types, missing or extra fields,
  out-of-range values). Pass: the same conformance checks, 0 server errors, and
  every such request refused with a 4xx (``negative_data_rejection``); nothing
  is stored.
* stateful: sequences that follow the document's links (declared in
  web/openapi_links.py; none inferred). The only true ones are the
  questionnaire list's ``slug`` and ``version`` into the two questionnaire
  reads. The practice systems' operations are deliberately a dead end: ``POST
  /api/v1/visits`` answers 202 with no identifier the database keeps, slips
  return the slip itself, and a stored response is never readable again
  (docs/anonymity.md), so there is nothing for a later call to use.

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

Bounded: ``SCHEMATHESIS_EXAMPLES`` (default 40) positive and
``SCHEMATHESIS_NEGATIVE_EXAMPLES`` (20) negative examples per operation, and
``SCHEMATHESIS_STATEFUL_EXAMPLES`` (15) scenarios of up to 5 steps. A failing
example does not end its operation's run: every distinct finding (operation,
mode, check, status) is collected with its first reproduction, and all are
reported together, so an undocumented status cannot hide a server error
behind it.
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
#: Invalid data needs fewer examples: every one of them must simply be refused.
NEGATIVE_EXAMPLES = int(os.environ.get("SCHEMATHESIS_NEGATIVE_EXAMPLES", "20"))
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

    @settings(
        SETTINGS,
        max_examples=EXAMPLES if mode is GenerationMode.POSITIVE else NEGATIVE_EXAMPLES,
    )
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
async def fuzz_target(request, survey, fixture_catalogue, tmp_path):
    """The app (in-process), a practice's API key and a pool of fresh survey links
    (only positive runs use them, so the others get none: creating them is slow)."""
    _practice, key = await add_practice("F0001", "Fuzz Lægehus", "gp", "Aarhus")
    wanted = EXAMPLES if "positive" in request.node.name else 0
    tokens = [await survey.token() for _ in range(wanted)]
    # SMS invitations of fuzzed visits go to a file nobody reads (no worker runs anyway).
    app_settings = dataclasses.replace(load_settings(), sms_backend=f"file:{tmp_path / 'sms'}")
    app = create_app(
        settings=app_settings,
        catalogue=fixture_catalogue,
        connection_pool=False,
        link_guard=LinkGuard(MemoryCounterStore(), app_settings.secret_key, limit=10**9),
    )
    return app, key, tokens


@pytest.mark.parametrize(
    "mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=["positive", "negative"]
)
async def test_openapi_schema_holds_under_fuzzing(fuzz_target, mode: GenerationMode):
    app, key, tokens = fuzz_target
    schema = schemathesis.openapi.from_asgi("/schema/openapi.json", app, config=CONFIG)
    auth = {"Authorization": f"Bearer {key}"}
    findings: dict[tuple, str] = {}
    statuses: Counter = Counter()
    operations = []
    unsatisfiable: set[str] = set()

    def fuzz_all() -> None:
        for result in schema.get_all_operations():
            operation = result.ok()
            operations.append(operation.label)
            try:
                _fuzz_operation(operation, mode, auth, "F0001", tokens, statuses, findings)
            except Unsatisfiable:
                unsatisfiable.add(operation.label)  # nothing in it can be made invalid
            except Exception as exc:
                findings[operation.label, mode.value, type(exc).__name__] = repr(exc)

    try:
        await anyio.to_thread.run_sync(fuzz_all)
    finally:
        schemathesis.python.asgi.shutdown_lifespans()
    stored = await Response.count()
    print(
        f"\nschemathesis {mode.value}: {len(operations)} operations; "
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
    assert stored == statuses["POST /api/v1/responses", 201]
    if mode is GenerationMode.POSITIVE:
        assert stored > 0
    else:
        # Invalid data was sent to most operations, and it was refused, not stored
        # (negative_data_rejection flags any 2xx as a finding above).
        assert stored == 0
        # Only operations whose document describes nothing breakable are left
        # out: the list takes no input, and visits and slips take bodies the
        # schema leaves open (their hostile cases: test_hostile_input.py).
        fuzzed = {label for (label, _status), n in statuses.items() if n}
        assert fuzzed == set(operations) - unsatisfiable
        assert unsatisfiable <= NOTHING_TO_BREAK
        assert sum(n for (_, s), n in statuses.items() if 400 <= s < 500) > 0


#: Operations negative generation cannot break (nothing invalid to make).
NOTHING_TO_BREAK = {"GET /api/v1/questionnaires", "POST /api/v1/visits", "POST /api/v1/slips"}
#: Scenarios and steps per scenario of the stateful run (each step one request).
STATEFUL_EXAMPLES = int(os.environ.get("SCHEMATHESIS_STATEFUL_EXAMPLES", "15"))
#: The links that are true of this API (see the module docstring): list -> reads.
EXPECTED_LINKS = {
    ("GET /api/v1/questionnaires", "200"): {
        "GET /api/v1/questionnaires/{slug}/{version}",
        "GET /api/v1/questionnaires/{slug}/{version}/fhir",
    }
}


def _links(schema) -> dict[tuple[str, str], set[str]]:
    """Operation and status -> the operations its response links to."""
    found: dict[tuple[str, str], set[str]] = {}
    for result in schema.get_all_operations():
        operation = result.ok()
        for status, response in operation.responses.items():
            for link in (response.definition.get("links") or {}).values():
                ref = link.get("operationRef", "")
                # "#/paths/~1api~1v1~1questionnaires~1{slug}~1{version}/get"
                _, _, path, method = ref.split("/")
                target = f"{method.upper()} {path.replace('~1', '/')}"
                found.setdefault((operation.label, status), set()).add(target)
    return found


async def test_stateful_runs_follow_the_links_and_conform(fuzz_target):
    app, key, _tokens = fuzz_target
    # The document's own links only (web/openapi_links.py), none inferred.
    config = schemathesis.Config.from_dict(
        {"phases": {"stateful": {"enabled": True, "inference": {"algorithms": []}}}}
    )
    schema = schemathesis.openapi.from_asgi("/schema/openapi.json", app, config=config)
    auth = {"Authorization": f"Bearer {key}"}
    machine = schema.as_state_machine()
    assert _links(schema) == EXPECTED_LINKS
    statuses: Counter = Counter()

    class Scenarios(machine):  # type: ignore[misc, valid-type]
        def get_call_kwargs(self, case):
            return {"headers": auth}

        def after_call(self, response, case):
            statuses[case.operation.label, response.status_code] += 1

    try:
        # Any failed check (server error, undocumented status, content type or
        # body) fails the scenario, and Hypothesis reports the shortest one.
        await anyio.to_thread.run_sync(
            lambda: Scenarios.run(
                settings=settings(
                    max_examples=STATEFUL_EXAMPLES,
                    stateful_step_count=5,
                    deadline=None,
                    database=None,
                    suppress_health_check=list(HealthCheck),
                )
            )
        )
    finally:
        schemathesis.python.asgi.shutdown_lifespans()
    print(f"\nschemathesis stateful: {sum(statuses.values())} requests")
    for (label, status), n in sorted(statuses.items()):
        print(f"  {label}: {status} x {n}")
    assert not [s for (_, s) in statuses if s >= 500]
    # Following a link reached a real questionnaire (random slugs would not).
    assert statuses["GET /api/v1/questionnaires/{slug}/{version}", 200] > 0
