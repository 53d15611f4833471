"""A driver's journey along the lifecycle nodes: what he received, what he may get next."""

from __future__ import annotations

from django.utils import timezone

from . import eligibility
from .models import LifecycleNode, Recommendation, ServiceItem, ServiceRecord


def suggestions_for(driver, *, today=None) -> list[eligibility.Suggestion]:
    """Live evaluation for one driver (six queries), ranked; recently dismissed items left out."""
    from driverhome.drivers.models import Driver

    today = today or timezone.localdate()
    items = list(
        ServiceItem.objects.filter(is_active=True).exclude(eligibility={}).select_related("node")
    )
    facts = eligibility.facts_for_drivers(Driver.objects.filter(pk=driver.pk))
    dismissed = set(
        Recommendation.objects.filter(
            driver=driver, status=Recommendation.Status.DISMISSED
        ).values_list("item_id", flat=True)
    )
    return [s for s in eligibility.suggestions(items, facts, today) if s.item_id not in dismissed]


def journey(driver, *, today=None) -> dict:
    """{"nodes": [{node, received: [records], eligible: [(item, suggestion)], done}], "current": node}."""
    nodes = list(LifecycleNode.objects.filter(is_active=True).order_by("order", "code"))
    items = {i.pk: i for i in ServiceItem.objects.filter(is_active=True)}
    records = list(
        ServiceRecord.objects.filter(driver=driver)
        .select_related("item", "family_member", "staff")
        .order_by("-delivered_at")
    )
    found = suggestions_for(driver, today=today)
    by_node = {n.pk: {"node": n, "received": [], "eligible": [], "items": 0} for n in nodes}
    for item in items.values():
        if item.node_id in by_node:
            by_node[item.node_id]["items"] += 1
    for record in records:
        if record.item.node_id in by_node:
            by_node[record.item.node_id]["received"].append(record)
    for s in found:
        item = items.get(s.item_id)
        if item is not None and item.node_id in by_node:
            by_node[item.node_id]["eligible"].append((item, s))
    rows = [by_node[n.pk] for n in nodes]
    for row in rows:
        row["received_items"] = len({r.item_id for r in row["received"]})
    current = getattr(driver, "current_node", None)
    return {"nodes": rows, "current": current, "suggestions": found, "records": records}
