"""The closed loop: request intake over HTTP against django-helpdesk, and the overdue worklist query.

* Intake: ``POST /api/v1/appeals`` (JSON, bearer token, an Idempotency-Key per
  request, a callback phone so an SMS is queued for after the commit) against
  django-helpdesk's public ticket submission (``POST /helpdesk/tickets/submit/``,
  form with CSRF), both on the same gunicorn (2 workers) and the same database,
  in one run, bounded load on 127.0.0.1.
* Overdue worklist: a supervisor's "overdue" list (open requests past their
  stage deadline, in his district, oldest first, first page and the count) over
  every request of the prepared database (a million at the ``province`` scale),
  against the same rows found with the deadline behind an expression no index serves.
"""

from __future__ import annotations

import itertools
import re
import uuid

from bench.harness import Result, benchmark, measure

CLIENTS = 8
TOTAL = 6000
SECONDS = 30


def _intake_requests(category: str):
    run = uuid.uuid4().hex[:8]
    counter = itertools.count()

    def make(_i):
        n = next(counter)
        return (
            "POST",
            "/api/v1/appeals",
            {
                "json": {
                    "category": category,
                    "description": f"集运基地停车场晚上没有车位，只能停路边（{n}）",
                    "channel": "phone",
                    "reporter_name": "王师傅",
                    "reporter_phone": f"139{n % 100000000:08d}",
                },
                "headers": {"Idempotency-Key": f"bench-{run}-{n}"},
            },
        )

    return make


def _helpdesk_requests(base_url: str):
    import httpx
    from helpdesk.models import Queue

    queue, _created = Queue.objects.get_or_create(
        slug="bench",
        defaults={"title": "Bench", "allow_public_submission": True, "email_address": ""},
    )
    # Every run starts django-helpdesk from an empty queue, its state after installation:
    # the tickets earlier runs left behind slow its submission down (at 94,000 tickets it ran
    # at less than half its rate on an empty queue), which would flatter the ratio. The
    # platform runs on the synthetic requests plus whatever earlier runs added.
    from helpdesk.models import Ticket

    Ticket.objects.filter(queue=queue).delete()
    with httpx.Client(base_url=base_url, timeout=30) as client:
        page = client.get("/helpdesk/tickets/submit/")
        page.raise_for_status()
        token = client.cookies.get("csrftoken")
        match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
        form_token = match.group(1) if match else token
    counter = itertools.count()

    def make(_i):
        n = next(counter)
        return (
            "POST",
            "/helpdesk/tickets/submit/",
            {
                "data": {
                    "csrfmiddlewaretoken": form_token,
                    "queue": str(queue.pk),
                    "title": f"停车场没有车位 {n}",
                    "body": "集运基地停车场晚上没有车位，只能停路边",
                    "priority": "3",
                    "submitter_email": f"driver{n}@example.org",
                },
                "headers": {"Cookie": f"csrftoken={token}", "Referer": f"{base_url}/helpdesk/"},
            },
        )

    return make


@benchmark("request intake")
def request_intake(ctx):
    from driverhome.appeals.models import Appeal, Category

    ctx.db()
    url = ctx.server_url()
    category = Category.objects.filter(code="C03-01").values_list("code", flat=True).first()
    if category is None:
        return []
    token = ctx.api_token("site")
    before = Appeal.objects.count()
    ours = ctx.http_load(
        _intake_requests(category),
        total=TOTAL,
        concurrency=CLIENTS,
        duration=SECONDS,
        expect=(201,),
        headers={"Authorization": f"Bearer {token}"},
    )
    stored = Appeal.objects.count() - before
    try:
        helpdesk = ctx.http_load(
            _helpdesk_requests(url),
            total=TOTAL,
            concurrency=CLIENTS,
            duration=SECONDS,
            expect=(302,),
        )
    except ImportError:
        helpdesk = None
    cpu = []
    if ours.server_cpu_ms and helpdesk and helpdesk.server_cpu_ms:
        cpu.append(
            Result(
                "request intake: server CPU per request vs django-helpdesk ticket submit",
                ours.server_cpu_ms,
                helpdesk.server_cpu_ms,
                "ms",
                note=(
                    "CPU time of gunicorn and its workers over the run above, per request: "
                    "what a core can serve, whatever else the machine is doing"
                ),
            )
        )
    return [
        Result(
            f"request intake over HTTP ({CLIENTS} clients, 2 workers) vs django-helpdesk ticket submit",
            ours.throughput,
            helpdesk.throughput if helpdesk else None,
            "req/s",
            p50=ours.p50_ms,
            p99=ours.p99_ms,
            note=(
                f"ours {ours.requests:,} requests, {ours.errors} errors, {stored:,} stored, "
                f"p99 {ours.p99_ms:.0f} ms"
                + (
                    f"; helpdesk {helpdesk.requests:,} requests, {helpdesk.errors} errors, "
                    f"p99 {helpdesk.p99_ms:.0f} ms"
                    if helpdesk and helpdesk.p99_ms is not None
                    else ""
                )
            ),
        ),
        *cpu,
    ]


@benchmark("overdue worklist")
def overdue_worklist(ctx):
    from datetime import timedelta

    from django.db import connection
    from django.db.models import F
    from django.utils import timezone

    from driverhome.appeals.models import Appeal

    ctx.db()
    supervisor = ctx.user("supervisor")
    total = Appeal.objects.count()
    now = timezone.now()

    def ours():
        qs = Appeal.objects.for_user(supervisor).overdue(now)
        page = list(qs.select_related("category", "handling_unit").order_by("due_at", "pk")[:50])
        return page, qs.count()

    def unindexed():
        # The same rows, with the deadline compared through an expression no index can serve.
        qs = (
            Appeal.objects.for_user(supervisor)
            .filter(status__in=Appeal.OPEN_STATUSES)
            .annotate(deadline=F("due_at") + timedelta(0))
            .filter(deadline__lt=now)
        )
        page = list(qs.select_related("category", "handling_unit").order_by("deadline", "pk")[:50])
        return page, qs.count()

    _page, overdue = ours()
    fast = measure(ours, ctx.repeat)
    slow = measure(unindexed, ctx.repeat)
    return [
        Result(
            f"overdue worklist: first page + count over {total:,} requests",
            fast * 1000,
            slow * 1000,
            "ms",
            note=f"{overdue:,} overdue; baseline: same query, deadline compared through an expression (no index) ({connection.vendor})",
        )
    ]
