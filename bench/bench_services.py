"""Lifecycle services: evaluating every item's eligibility rules for a worklist, and the figures.

* Recommendations: the rules of all 80 items over a block of drivers, with the
  facts loaded for the whole block in four queries (``eligibility.facts_for_drivers``),
  against the same evaluation loading each driver's facts on its own (what a
  per-driver loop, e.g. a template tag on each row, would do). Same drivers,
  same rules, same result; both in one run.
* Figures: every lifecycle figure of the report for the whole platform, computed
  from the records, in one call.
"""

from __future__ import annotations

from bench.harness import Result, benchmark, measure

BLOCK = 2000


@benchmark("services: eligibility for the worklist")
def recommendations(ctx):
    ctx.db()
    from django.utils import timezone

    from driverhome.drivers.models import Driver
    from driverhome.services import eligibility
    from driverhome.services.catalogue import load_default_catalogue
    from driverhome.services.models import ServiceItem

    load_default_catalogue()
    items = list(ServiceItem.objects.filter(is_active=True).exclude(eligibility={}))
    ids = list(Driver.objects.order_by("pk").values_list("pk", flat=True)[:BLOCK])
    today = timezone.localdate()

    def bulk():
        facts = eligibility.facts_for_drivers(Driver.objects.filter(pk__in=ids))
        return eligibility.suggestions(items, facts, today)

    def one_by_one():
        found = []
        for pk in ids:
            facts = eligibility.facts_for_drivers(Driver.objects.filter(pk=pk))
            found.extend(eligibility.suggestions(items, facts, today))
        found.sort(key=eligibility.rank_key)
        return found

    assert [(s.driver_id, s.item_id) for s in bulk()] == [
        (s.driver_id, s.item_id) for s in one_by_one()
    ]
    ours = measure(bulk, repeat=ctx.repeat)
    baseline = measure(one_by_one, repeat=max(1, ctx.repeat // 2))
    n = len(ids)
    return [
        Result(
            f"eligibility of {len(items)} items, drivers per second",
            n / ours,
            n / baseline,
            "drivers/s",
            note=f"{n} drivers; baseline loads each driver's facts separately",
        )
    ]


@benchmark("services: report figures")
def report_figures(ctx):
    ctx.db()
    from driverhome.services import figures

    seconds = measure(lambda: figures.all_figures("/"), repeat=ctx.repeat)
    return [
        Result(
            "all lifecycle figures, whole platform",
            seconds * 1000,
            None,
            "ms",
            note="children in care, workshop, career changes, services by node, from records",
        )
    ]
