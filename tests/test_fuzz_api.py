"""Fuzzing: the JSON API from its own OpenAPI schema (no 500s, documented responses match), and
the two parsers of outside input, the roster importer and Open311, with hypothesis.

schemathesis reads ``/api/v1/openapi.json`` from the Django WSGI app in-process and
generates requests for every operation (valid and invalid bodies, odd strings,
huge numbers), sent as an administrator, a driver and anonymously. The number of
examples per operation is bounded (``FUZZ_EXAMPLES``, default 10) so the run takes
a few minutes at most; raise it locally for a deeper search.
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
    """A few objects so that list and detail operations have something to find."""
    from driverhome.accounts import audit

    audit.record(personas["admin"], "fuzz.seed", organisation=orgs["xiapu"], object_type="x")
    return personas


@pytest.mark.django_db
@schema.parametrize()
@FUZZ_SETTINGS
def test_api(case, fuzz_data, api_token):
    """Each generated request, sent as an administrator, a driver and anonymously."""
    identities = {
        "admin": {"Authorization": f"Bearer {api_token('admin')}"},
        "driver": {"Authorization": f"Bearer {api_token('driver')}"},
        "anonymous": {},
    }
    for headers in identities.values():
        case.call_and_validate(headers=headers, checks=CHECKS)


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
