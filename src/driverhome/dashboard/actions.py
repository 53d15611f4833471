"""The dashboard's one write: refreshing the rollup counters from the records."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db import models, transaction
from django.db.models import Count, DateField, F, Q
from django.db.models.functions import TruncDate, TruncMonth
from django.utils import timezone

from driverhome.accounts import audit
from driverhome.accounts.models import Organisation

from .models import MonthlyCount, RollupRun, StaleMonth
from .rollups import STOCK_MONTH, Counter, counters


def month_start(day: date) -> date:
    return day.replace(day=1)


def next_month(day: date) -> date:
    return date(day.year + (day.month == 12), day.month % 12 + 1, 1)


def _bound(model, lookup: str, day: date):
    """A date for a DateField lookup, local midnight for a DateTimeField."""
    field = _resolve_field(model, lookup)
    if isinstance(field, models.DateTimeField):
        return timezone.make_aware(datetime.combine(day, time.min))
    return day


def _resolve_field(model, lookup: str):
    parts = lookup.split("__")
    for part in parts[:-1]:
        model = model._meta.get_field(part).related_model
    return model._meta.get_field(parts[-1])


def count_cells(counter: Counter, first: date | None, last: date | None) -> dict:
    """{((owning organisation ids), month, counter name): value}, straight from the records.

    The counter name is the counter's key, or ``key:value`` for a counter with a dimension.
    ``first``/``last`` are first days of months (inclusive); ``None`` means unbounded.
    """
    model = counter.model_class()
    qs = model._default_manager.all()
    if counter.where is not None:
        qs = qs.filter(counter.where())
    orgs = {f"o{i}": F(field) for i, field in enumerate(counter.org_fields)}
    names = list(orgs)
    if counter.row_value is not None:
        return _python_cells(counter, qs, orgs, names, first, last)
    group = dict(orgs)
    if counter.dimension:
        qs = qs.exclude(**{f"{counter.dimension}__isnull": True})
        group["d"] = F(counter.dimension)

    def name(row):
        return f"{counter.key}:{row['d']}" if counter.dimension else counter.key

    if counter.date_field is None:
        rows = qs.values(**group).annotate(v=counter.expression())
        return {
            (tuple(row[n] for n in names), STOCK_MONTH, name(row)): row["v"] or 0 for row in rows
        }
    qs = qs.exclude(**{f"{counter.date_field}__isnull": True})
    if first is not None:
        qs = qs.filter(**{f"{counter.date_field}__gte": _bound(model, counter.date_field, first)})
    if last is not None:
        end = next_month(last)
        qs = qs.filter(**{f"{counter.date_field}__lt": _bound(model, counter.date_field, end)})
    rows = (
        qs.annotate(m=TruncMonth(counter.date_field, output_field=DateField()))
        .values("m", **group)
        .annotate(v=counter.expression())
    )
    return {(tuple(row[n] for n in names), row["m"], name(row)): row["v"] or 0 for row in rows}


def _python_cells(counter: Counter, qs, orgs, names, first, last) -> dict:
    """Cells of a counter whose per-row value is computed in Python.

    The rows are grouped in SQL by owners and the local days of the counter's fields (a
    datetime is cut to its day in the platform's time zone), so Python computes the value
    once per distinct combination and multiplies it by the number of rows sharing it.
    """
    model = qs.model
    qs = qs.exclude(**{f"{counter.date_field}__isnull": True})
    if first is not None:
        qs = qs.filter(**{f"{counter.date_field}__gte": _bound(model, counter.date_field, first)})
    if last is not None:
        end = next_month(last)
        qs = qs.filter(**{f"{counter.date_field}__lt": _bound(model, counter.date_field, end)})
    wanted = list(dict.fromkeys((*counter.fields, counter.date_field)))
    days = {}
    for i, lookup in enumerate(wanted):
        if isinstance(_resolve_field(model, lookup), models.DateTimeField):
            days[f"f{i}"] = TruncDate(lookup)
        else:
            days[f"f{i}"] = F(lookup)
    rows = qs.values(**days, **orgs).annotate(n=Count("pk")).order_by()
    position = {lookup: f"f{i}" for i, lookup in enumerate(wanted)}
    values: dict = {}
    cells: dict = defaultdict(Decimal)
    for row in rows.iterator(chunk_size=5000):
        args = tuple(row[position[f]] for f in counter.fields)
        value = values.get(args)
        if value is None:
            value = values[args] = Decimal(counter.row_value(*args))
        moment = row[position[counter.date_field]]
        key = (tuple(row[n] for n in names), moment.replace(day=1), counter.key)
        cells[key] += value * row["n"]
    return cells


def subtree_totals(cells: dict, paths: dict[int, str]) -> dict:
    """Add each group's value to every organisation whose subtree holds one of its owners.

    With several owners (an area and a handling unit) a row counts once in each subtree
    that holds either of them: the union of their ancestors.
    """
    totals: dict = defaultdict(Decimal)
    for (org_ids, month, name), value in cells.items():
        ancestors = set()
        for org_id in org_ids:
            path = paths.get(org_id)
            if path:
                ancestors.update(int(part, 16) for part in path.strip("/").split("/"))
        for ancestor in ancestors:
            totals[(ancestor, month, name)] += Decimal(value)
    return totals


@transaction.atomic
def refresh_rollups(
    *,
    first: date | None = None,
    last: date | None = None,
    actor=None,
    only: list[str] | None = None,
) -> RollupRun:
    """Recompute the counters for the months ``first``..``last`` (all months when both are None).

    Stocks (counters without a date) are always recomputed. The months are replaced as a
    whole inside one transaction, so a reader sees either the old or the new figures.
    """
    full = first is None and last is None
    first = month_start(first) if first else None
    last = month_start(last) if last else None
    run = RollupRun.objects.create(first_month=first, last_month=last, full=full)
    paths = dict(Organisation.objects.values_list("pk", "path"))
    written = 0
    done = []
    for counter in counters():
        if only is not None and counter.key not in only:
            continue
        totals = subtree_totals(count_cells(counter, first, last), paths)
        old = MonthlyCount.objects.filter(
            Q(counter=counter.key) | Q(counter__startswith=f"{counter.key}:")
        )
        # A stock keeps only its current rows: every row of it is replaced (also rows kept
        # month by month before the counter became a stock).
        if counter.date_field is not None:
            old = old.exclude(month=STOCK_MONTH)
            if first is not None:
                old = old.filter(month__gte=first)
            if last is not None:
                old = old.filter(month__lte=last)
        old.delete()
        MonthlyCount.objects.bulk_create(
            [
                MonthlyCount(organisation_id=org_id, month=month, counter=name, value=value)
                for (org_id, month, name), value in totals.items()
                if value
            ],
            batch_size=2000,
        )
        written += sum(1 for value in totals.values() if value)
        done.append(counter.key)
    run.rows = written
    run.counters = done
    run.finished_at = timezone.now()
    run.save(update_fields=["rows", "counters", "finished_at"])
    if actor is not None:
        audit.record(
            actor,
            "rollups.refresh",
            run,
            changes={
                "first_month": str(first or ""),
                "last_month": str(last or ""),
                "rows": written,
            },
        )
    return run


def mark_stale(day) -> None:
    """The hook for other apps: a record dated ``day`` (a date or datetime) was added or
    changed after the fact; its month is recomputed at the next periodic refresh.

    Records of the current and previous month need no call: those months are always refreshed.
    """
    if isinstance(day, datetime):
        day = timezone.localtime(day).date() if timezone.is_aware(day) else day.date()
    StaleMonth.objects.update_or_create(
        month=month_start(day), defaults={"marked_at": timezone.now()}
    )


def refresh_recent(*, actor=None, today: date | None = None) -> RollupRun:
    """The periodic refresh: the current and the previous month (late entries land there),
    then every month marked stale through :func:`mark_stale`."""
    today = today or timezone.localdate()
    current = month_start(today)
    previous = month_start(current - timedelta(days=1))
    run = refresh_rollups(first=previous, last=current, actor=actor)
    for stale in StaleMonth.objects.filter(month__lt=previous).order_by("month"):
        with transaction.atomic():
            # Claimed by deleting it: a month marked again meanwhile is a new row.
            if StaleMonth.objects.filter(pk=stale.pk, marked_at=stale.marked_at).delete()[0]:
                refresh_rollups(first=stale.month, last=stale.month, actor=actor)
    StaleMonth.objects.filter(month__gte=previous).delete()
    return run
