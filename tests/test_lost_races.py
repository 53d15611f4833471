"""Every lost race is a clear 409, never a 500 and never a silent double.

Two kinds of test:

* **Real concurrency**: callers in threads, each with its own connection, released
  together by a barrier, through the whole HTTP stack. They need a database where
  transactions really overlap: PostgreSQL, or SQLite in a file
  (``DRIVERHOME_TEST_SQLITE_NAME=/tmp/x.sqlite3``); on the in-memory SQLite test
  database (shared cache, where a second writer fails at once instead of waiting)
  they are skipped.
* **The loser's moment, replayed**: the winner's row is already there when the
  loser's insert runs (what the threads produce when the loser passed its checks
  first). These run on every engine and fail without the fix (an IntegrityError).
"""

from __future__ import annotations

import threading

import pytest
from django.db import IntegrityError, connection, connections, transaction
from django.test import Client

from driverhome.accounts.models import Organisation
from driverhome.appeals import actions
from driverhome.appeals.models import Appeal, ReturnVisit, Transition
from driverhome.appeals.tests.factories import appeal_in_stage
from driverhome.core.errors import Conflict, conflict_on_duplicate, is_unique_violation

VISIT = {"resolved": "yes", "satisfaction": 4, "comment": "好"}


def _in_memory_sqlite() -> bool:
    return connection.vendor == "sqlite" and connection.is_in_memory_db()


def _together(calls):
    """Run the callables at the same moment, each in its own thread; their results in order."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(i):
        try:
            barrier.wait(timeout=10)
            results[i] = calls[i]()
        except Exception as exc:  # noqa: BLE001 - the test looks at it
            results[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return results


def _bearer(api_token, persona):
    return Client(headers={"Authorization": f"Bearer {api_token(persona)}"})


def _answered(personas, orgs):
    from driverhome.appeals import catalogue
    from driverhome.appeals.models import Category, TimeLimit

    if not Category.objects.exists():  # a transactional test's flush emptied the seed
        catalogue.seed(Category, TimeLimit)
    appeal = appeal_in_stage(personas, orgs, "answered")
    assert appeal.status == Appeal.Status.ANSWERED
    return appeal


# --- real concurrency ----------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("attempt", range(3))
def test_two_staff_recording_the_same_visit_at_once_one_wins_one_gets_409(
    personas, orgs, api_token, attempt
):
    if _in_memory_sqlite():
        pytest.skip("needs PostgreSQL or a file SQLite database (see the module docstring)")
    appeal = _answered(personas, orgs)
    url = f"/api/v1/appeals/{appeal.tracking_no}/actions/visit"
    body = {**VISIT, "version": appeal.version}
    broker, supervisor = _bearer(api_token, "broker"), _bearer(api_token, "supervisor")
    results = _together(
        [
            lambda: broker.post(url, body, content_type="application/json"),
            lambda: supervisor.post(url, body, content_type="application/json"),
        ]
    )
    statuses = sorted(getattr(r, "status_code", r) for r in results)
    assert statuses == [200, 409], results
    loser = next(r for r in results if r.status_code == 409).json()
    assert loser["code"] in ("stale", "visit_recorded", "forbidden_transition") and loser["detail"]
    assert ReturnVisit.objects.filter(appeal=appeal).count() == 1
    assert Transition.objects.filter(appeal=appeal, to_status=Appeal.Status.VISITED).count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_administrators_creating_the_same_organisation_at_once_one_gets_409(
    personas, orgs, client_for
):
    if _in_memory_sqlite():
        pytest.skip("needs PostgreSQL or a file SQLite database (see the module docstring)")
    from driverhome.accounts import actions as account_actions

    def create():
        try:
            account_actions.create_organisation(
                actor=personas["admin"], code="race-org", name="并发", kind=orgs["xiapu"].kind
            )
            return "ok"
        except Conflict as exc:
            return exc

    results = _together([create, create, create])
    assert results.count("ok") == 1, results
    assert all(isinstance(r, Conflict) for r in results if r != "ok"), results
    assert Organisation.objects.filter(code="race-org").count() == 1


# --- the loser's moment, on every engine ---------------------------------------------------------


@pytest.mark.django_db
def test_visit_whose_round_was_just_recorded_is_a_conflict_and_writes_nothing(personas, orgs):
    appeal = _answered(personas, orgs)
    # The winner's visit row is in; the loser still sees the request as answered.
    ReturnVisit.objects.create(
        appeal=appeal, resolved="yes", satisfaction=5, by=personas["supervisor"], round=0
    )
    transitions = Transition.objects.filter(appeal=appeal).count()
    with pytest.raises(Conflict) as raised:
        actions.return_visit(appeal, actor=personas["broker"], **VISIT)
    assert raised.value.code == "visit_recorded"
    appeal.refresh_from_db()
    assert appeal.status == Appeal.Status.ANSWERED  # the loser's status change rolled back
    assert Transition.objects.filter(appeal=appeal).count() == transitions
    assert ReturnVisit.objects.filter(appeal=appeal).count() == 1


@pytest.mark.django_db
def test_visit_on_a_request_that_moved_on_is_a_conflict(personas, orgs):
    appeal = _answered(personas, orgs)
    stale = Appeal.objects.get(pk=appeal.pk)
    actions.return_visit(appeal, actor=personas["supervisor"], **VISIT)
    with pytest.raises(Conflict):
        actions.return_visit(stale, actor=personas["broker"], **VISIT)
    assert ReturnVisit.objects.filter(appeal=appeal).count() == 1


@pytest.mark.django_db
def test_the_api_answers_409_in_the_callers_language(api, personas, orgs):
    appeal = _answered(personas, orgs)
    ReturnVisit.objects.create(
        appeal=appeal, resolved="yes", satisfaction=5, by=personas["supervisor"], round=0
    )
    url = f"/api/v1/appeals/{appeal.tracking_no}/actions/visit"
    english = api("broker").post(
        url, VISIT, content_type="application/json", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert english.status_code == 409
    assert english.json() == {
        "code": "visit_recorded",
        "detail": "The return visit of this request was just recorded by someone else.",
    }
    chinese = api("broker").post(url, VISIT, content_type="application/json")
    assert chinese.status_code == 409 and "回访" in chinese.json()["detail"]


@pytest.mark.django_db
def test_an_unforeseen_unique_violation_answers_409_not_500(api, personas, orgs, monkeypatch):
    """The last guard: a race no action names still answers 409 in the caller's format."""
    from driverhome.accounts import api as accounts_api

    def duplicate_insert(*args, **kwargs):
        Organisation.objects.create(code=orgs["xiapu"].code, name="重复", kind=orgs["xiapu"].kind)

    broker = api("broker")
    monkeypatch.setattr(accounts_api.ApiToken, "issue", duplicate_insert)
    response = broker.post("/api/v1/tokens", {"name": "x"}, content_type="application/json")
    assert response.status_code == 409
    assert response.json()["code"] == "conflict" and response.json()["detail"]


@pytest.mark.django_db
def test_only_unique_violations_become_conflicts(orgs):
    with pytest.raises(Conflict), conflict_on_duplicate("taken"):
        Organisation.objects.create(code=orgs["xiapu"].code, name="重复", kind=orgs["xiapu"].kind)
    # A NOT NULL violation is a bug, not a race: it stays an IntegrityError.
    with pytest.raises(IntegrityError) as raised, conflict_on_duplicate("taken"):
        Organisation.objects.create(code="nn", name=None, kind=orgs["xiapu"].kind)
    assert not is_unique_violation(raised.value)
    # The savepoint kept the outer transaction usable.
    with transaction.atomic():
        assert Organisation.objects.filter(code=orgs["xiapu"].code).count() == 1
