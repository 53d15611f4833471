"""Fuzz the JSON API from its own OpenAPI schema: no 500s, every documented response matches.

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
from hypothesis import HealthCheck, settings
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
def fuzz_data(personas, orgs):
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
