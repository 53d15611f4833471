"""Fuzzing: the JSON API from its own OpenAPI schema (no 500s, documented responses match), and
the two parsers of outside input, the roster importer and Open311, with hypothesis.

schemathesis reads ``/api/v1/openapi.json`` from the Django WSGI app in-process and
generates requests for every operation (valid and invalid bodies, odd strings, huge
numbers), each sent as an administrator, a supervisor (staff), a driver and anonymously.
Then its state machine follows the schema's OpenAPI links (create a driver file, then read,
change and extend it; file a request, then act on it; ...) as a supervisor and as a driver.
The run never revokes the token it runs with: a ``DELETE /tokens/{prefix}`` aimed at one of
the run's own tokens is sent to a prefix that exists nowhere instead, and every test ends by
checking that the run's tokens still authenticate.

The number of examples is bounded (``FUZZ_EXAMPLES``, default 10 per operation and
scenarios per identity) so the module takes a few minutes at most; raise it locally for a
deeper search (docs/security.md, "Fuzzing").
"""

from __future__ import annotations

import os

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
)

pytestmark = pytest.mark.slow

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "10"))
CHECKS = [
    not_a_server_error,
    response_schema_conformance,
    content_type_conformance,
    response_headers_conformance,
]
# Per operation: every case is sent as each of these (None: anonymous).
IDENTITIES = ("admin", "supervisor", "driver", None)
# Through the links: a staff member and a driver.
STATEFUL_IDENTITIES = ("supervisor", "driver")
NOWHERE = "00000000"  # a token prefix no token has (prefixes are 8 hex digits)

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())
# The coverage phase enumerates every boundary of every parameter: hundreds of cases per
# operation. The bounded fuzzing phase (plus the schema's examples) fits the time budget.
schema.config.phases.coverage.enabled = False

FUZZ_SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,  # the same cases on every run: a failure is reproducible
    database=None,
    suppress_health_check=list(HealthCheck),
)


@pytest.fixture
def keep_test_connection():
    """Requests go straight to the WSGI app, which closes "old" connections when a request
    ends; inside a test's transaction that would close the test's own connection on
    PostgreSQL. Django's test client unhooks the same signal handlers."""
    from django.core import signals
    from django.db import close_old_connections

    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def fuzz_data(personas, orgs, keep_test_connection):
    """A few objects so that list and detail operations, and the links from them, find
    something: an audit row, a site with an event, the driver persona's own file."""
    from driverhome.accounts import audit
    from driverhome.events.tests.helpers import make_driver, make_event, make_station

    audit.record(personas["admin"], "fuzz.seed", organisation=orgs["xiapu"], object_type="x")
    station = make_station(orgs["xiapu"])
    make_event(station)
    make_driver(orgs["xiapu"], user=personas["driver"])
    return personas


class RunTokens:
    """The bearer tokens a fuzzing run sends, one per identity, issued once per test."""

    def __init__(self, personas):
        from driverhome.accounts.models import ApiToken

        self.keys = {}
        self.prefixes = set()
        for name in {*IDENTITIES, *STATEFUL_IDENTITIES} - {None}:
            token, key = ApiToken.issue(personas[name], "fuzz")
            self.keys[name] = key
            self.prefixes.add(token.prefix)

    def headers(self, name):
        return {} if name is None else {"Authorization": f"Bearer {self.keys[name]}"}

    def spare_own(self, case):
        """A revocation aimed at one of the run's own tokens goes to a prefix no token has:
        the run must keep authenticating, or the rest of it proves nothing (all 401s)."""
        if case.method.upper() == "DELETE" and case.path == "/api/v1/tokens/{prefix}":
            if (case.path_parameters or {}).get("prefix") in self.prefixes:
                case.path_parameters = {**case.path_parameters, "prefix": NOWHERE}

    def assert_all_authenticate(self):
        # Through the same WSGI app as the run (Django's test client would hook the
        # connection-closing signals back on: see keep_test_connection).
        me = schema["/api/v1/me"]["GET"]
        for name in self.keys:
            response = me.Case().call(headers=self.headers(name))
            assert response.status_code == 200, f"the run revoked its own {name} token"


@pytest.fixture
def run_tokens(fuzz_data):
    tokens = RunTokens(fuzz_data)
    yield tokens
    tokens.assert_all_authenticate()


@pytest.mark.django_db
@schema.parametrize()
@FUZZ_SETTINGS
def test_api(case, run_tokens):
    """Each generated request, sent as an administrator, a supervisor, a driver and anonymously."""
    run_tokens.spare_own(case)
    for name in IDENTITIES:
        case.call_and_validate(headers=run_tokens.headers(name), checks=CHECKS)


def machine_for(tokens, name):
    """The schema's state machine following the links with ``name``'s token."""
    headers = tokens.headers(name)

    class Links(schema.as_state_machine()):
        def before_call(self, case):
            tokens.spare_own(case)

        def get_call_kwargs(self, case):
            return {"headers": headers}

        def validate_response(self, response, case, additional_checks=None, **kwargs):
            __tracebackhide__ = True
            case.validate_response(
                response,
                checks=CHECKS,
                headers=headers,
                transport_kwargs=kwargs or None,
                recorder=getattr(self, "recorder", None),
            )

    return Links


@pytest.mark.django_db
@pytest.mark.parametrize("identity", STATEFUL_IDENTITIES)
def test_api_links(identity, run_tokens):
    """Sequences through the OpenAPI links, as a staff member and as a driver: an object
    made by one call is read, changed and acted on by the next ones; never a 5xx."""
    machine_for(run_tokens, identity).run(
        settings=settings(FUZZ_SETTINGS, max_examples=EXAMPLES * 2, stateful_step_count=8)
    )
    run_tokens.assert_all_authenticate()


@pytest.mark.django_db
def test_run_never_revokes_its_own_token(run_tokens, fuzz_data):
    """The links lead from ``GET /tokens`` to ``DELETE /tokens/{prefix}``: followed with the
    run's own token, the revocation is diverted and the token keeps working (without the
    diversion this test fails with a 401)."""
    for name in STATEFUL_IDENTITIES:
        links = machine_for(run_tokens, name)()
        listed = links.call(
            schema["/api/v1/tokens"]["GET"].Case(), headers=run_tokens.headers(name)
        ).json()
        own = [t["prefix"] for t in listed if t["prefix"] in run_tokens.prefixes]
        assert own, "the run's token is not in its own list"
        case = schema["/api/v1/tokens/{prefix}"]["DELETE"].Case(path_parameters={"prefix": own[0]})
        links.before_call(case)
        response = links.call(case, **links.get_call_kwargs(case))
        assert response.status_code == 404
    run_tokens.assert_all_authenticate()
    # A token the run made itself is really revoked through the same operation.
    staff = run_tokens.headers("supervisor")
    made = (
        schema["/api/v1/tokens"]["POST"].Case(body={"name": "made by the run"}).call(headers=staff)
    )
    assert made.status_code == 201, made.text
    prefix = made.json()["prefix"]
    case = schema["/api/v1/tokens/{prefix}"]["DELETE"].Case(path_parameters={"prefix": prefix})
    run_tokens.spare_own(case)
    assert case.call(headers=staff).status_code == 204
    run_tokens.assert_all_authenticate()


def test_schema_is_served_and_valid(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    body = response.json()
    assert body["openapi"].startswith("3.") and len(body["paths"]) >= 6


# --- The roster importer and the Open311 parser: hostile input, never a crash or a partial write ---


HEADER = "姓名,身份证号,手机号,车牌号,所属企业,居住方式"
cells = st.one_of(
    st.text(max_size=40),
    st.text(alphabet="0123456789X", min_size=15, max_size=20),
    st.sampled_from(["=CMD|' /C calc'!A0", '=HYPERLINK("http://x")', "+1+1", "@SUM(A1)", "-2+3"]),
    st.just("x" * 40_000),  # a huge cell
    st.sampled_from(["13800138000", "浙B12345", "车上", "", " ", "\x00", "\ufeff"]),
)
rows = st.lists(st.lists(cells, min_size=0, max_size=8), max_size=6)
encodings = st.sampled_from(["utf-8", "utf-8-sig", "gb18030", "utf-16", "latin-1"])


def _csv(header: str, table: list[list[str]], encoding: str) -> bytes:
    import csv
    import io

    out = io.StringIO()
    writer = csv.writer(out)
    out.write(header + "\n")
    writer.writerows(table)
    return out.getvalue().encode(encoding, errors="replace")


def _import(data: bytes, filename: str, org):
    from driverhome.drivers.importer import ImportFileError, run_import
    from driverhome.drivers.models import Driver

    before = Driver.objects.count()
    try:
        result = run_import(data, filename=filename, organisation=org)
    except ImportFileError as exc:
        assert str(exc), "an import error without a message"
        assert Driver.objects.count() == before, "a refused file wrote rows"
        return None
    # Exactly what it reports, never a half-written row set.
    assert Driver.objects.count() == before + result.created
    return result


@pytest.mark.django_db
@settings(FUZZ_SETTINGS, max_examples=EXAMPLES * 3)
@given(
    data=st.binary(max_size=2048),
    name=st.sampled_from(["a.csv", "a.xlsx", "a.xls", "a.ods", "a.txt", "a"]),
)
def test_importer_random_bytes(orgs, data, name):
    pytest.importorskip("driverhome.drivers.importer")
    _import(data, name, orgs["xiapu"])


@pytest.mark.django_db
@settings(FUZZ_SETTINGS, max_examples=EXAMPLES * 3)
@given(table=rows, encoding=encodings)
def test_importer_hostile_rows(orgs, table, encoding):
    pytest.importorskip("driverhome.drivers.importer")
    result = _import(_csv(HEADER, table, encoding), "roster.csv", orgs["xiapu"])
    if result is not None:
        for row in result.errors:
            assert row, "a rejected row without its reason"


sheet_cells = st.lists(
    st.tuples(st.integers(0, 400), st.integers(0, 260), cells),
    max_size=12,
)


def _sheet(header: bool, placed, far: bool, merged: bool) -> bytes:
    import io

    import xlsxwriter

    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": True})
    sheet = book.add_worksheet()
    if header:
        sheet.write_row(0, 0, HEADER.split(","))
    for row, column, value in placed:
        sheet.write_string(row + 1, column, value.replace("\x00", ""))
    if merged:
        sheet.merge_range(1, 0, 3, 1, "合并")
    if far:  # the reader would allocate the whole rectangle up to here
        sheet.write(1_048_575, 16_383, "x")
    book.close()
    return buffer.getvalue()


@pytest.mark.django_db
@settings(FUZZ_SETTINGS, max_examples=EXAMPLES * 3)
@given(
    header=st.booleans(),
    placed=sheet_cells,
    far=st.booleans(),
    merged=st.booleans(),
    name=st.sampled_from(["roster.xlsx", "roster.csv", "roster"]),
)
def test_importer_random_sheets(orgs, header, placed, far, merged, name):
    """Random workbooks: cells anywhere (beyond the column limit too), merged ranges, a far
    cell, formulas: a refusal with a reason or per-row results, never a crash."""
    _import(_sheet(header, placed, far, merged), name, orgs["xiapu"])


@pytest.fixture
def open311_key(orgs):
    models = pytest.importorskip("driverhome.appeals.models")
    _key, secret = models.Open311Key.issue("fuzz", orgs["district"])
    return secret


open311_fields = st.dictionaries(
    st.sampled_from(
        [
            "service_code",
            "lat",
            "long",
            "address_string",
            "description",
            "attribute[type]",
            "first_name",
            "last_name",
            "phone",
            "email",
            "media_url",
            "device_id",
        ]
    ),
    st.one_of(
        st.text(max_size=60),
        st.sampled_from(["NaN", "inf", "-91", "1e308", "29.9", "121.8", "0x1F", ""]),
        st.just("描" * 5000),
    ),
)


@pytest.mark.django_db
@settings(FUZZ_SETTINGS, max_examples=EXAMPLES * 4)
@given(fields=open311_fields, fmt=st.sampled_from(["json", "xml"]))
def test_open311_post_never_crashes(client, open311_key, fields, fmt):
    from driverhome.appeals.models import Appeal, Category

    category = Category.objects.filter(is_active=True, parent__isnull=False).first()
    if fields.get("service_code") == "":
        fields["service_code"] = category.code
    before = Appeal.objects.count()
    response = client.post(f"/open311/v2/requests.{fmt}", {"api_key": open311_key, **fields})
    assert response.status_code < 500, response.content[:300]
    created = Appeal.objects.count() - before
    if response.status_code in (200, 201):
        assert created == 1
    else:
        assert created == 0
        assert response.content, "an Open311 error without a description"
