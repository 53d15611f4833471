"""Service records: who received which service item, when, where, recorded by whom.

Items are drawn with weights (everyday items such as showers and legal advice
far more often than career changes); items for a child or a spouse name that
family member when the driver has one.
"""

from __future__ import annotations

from datetime import timedelta

from driverhome.core.modules import optional_import

from .bulk import Inserter, reset_sequences


def available() -> bool:
    return (
        optional_import("driverhome.services.models") is not None
        and optional_import("driverhome.drivers.models") is not None
    )


def prepare(ctx) -> None:
    from driverhome.services import models as sv

    catalogue = optional_import("driverhome.services.catalogue")
    if catalogue is not None and not sv.ServiceItem.objects.exists():
        catalogue.load_default_catalogue()


def generate(ctx) -> None:
    from driverhome.services import models as sv

    if "driver_first_id" not in ctx.shared or not ctx.sizes.services:
        return
    catalogue = optional_import("driverhome.services.catalogue")
    if catalogue is not None and not sv.ServiceItem.objects.exists():
        catalogue.load_default_catalogue()
    items = list(
        sv.ServiceItem.objects.filter(is_active=True).values_list(
            "pk", "beneficiary", "provider_id", "order"
        )
    )
    if not items:
        return
    rng = ctx.rng("services")
    # Earlier items of the catalogue are the everyday ones: weight falls with their order.
    weights = [1.0 / (1 + i % 20) for i in range(len(items))]
    total = ctx.share(ctx.sizes.services)
    lo, span = ctx.lo, max(1, ctx.hi - ctx.lo)
    first_driver = ctx.shared["driver_first_id"]
    district_of = ctx.shared["driver_district"]
    child_of = ctx.shared["driver_child"]
    spouse_of = ctx.shared["driver_spouse"]
    broker_of = ctx.shared["driver_broker"]
    staff = ctx.shared["staff"]
    districts = ctx.shared["districts"]
    now = ctx.now
    writer = Inserter(sv.ServiceRecord, progress=ctx.progress)
    outcomes = ("delivered", "referred", "in_progress", "declined")
    sources = ("manual", "bulk", "recommendation", "request", "event", "programme")
    ctx.progress.start("service records", total)
    rows = []
    picks = rng.choices(items, weights, k=min(total, 100_000))
    for k in range(total):
        i = lo + rng.randrange(span)
        item, beneficiary, provider, _order = picks[k % len(picks)]
        family = None
        if beneficiary == "child":
            family = child_of[i] or None
        elif beneficiary == "spouse":
            family = spouse_of[i] or None
        d = district_of[i]
        delivered = now - timedelta(days=rng.random() * 365, minutes=rng.randint(0, 600))
        rows.append(
            {
                "driver_id": first_driver + i,
                "family_member_id": family,
                "item_id": item,
                "delivered_at": delivered,
                "place": districts[d]["name"],
                "staff_id": broker_of[i] or staff["districts"][d]["supervisor"],
                "provider_id": provider,
                "outcome": rng.choices(outcomes, (85, 8, 5, 2))[0],
                "source": rng.choices(sources, (50, 15, 10, 10, 10, 5))[0],
                "created_at": delivered,
            }
        )
        if len(rows) >= 20_000:
            writer.write(rows)
            rows = []
    writer.write(rows)
    ctx.progress.finish()
    reset_sequences(sv.ServiceRecord)
