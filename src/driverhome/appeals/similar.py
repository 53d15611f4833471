"""Similar open requests on intake, and hotspots (many drivers reporting the same thing).

Text similarity: jieba cuts the Chinese into words, rapidfuzz compares the word
sets (token-set ratio), so "集运基地停车场没有车位" and "集运基地停车场车位满了"
score high although the strings differ. Candidates are open requests of the
same category from the last 30 days, within 3 km when both have a location.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta

from django.db.models import Count, Q
from django.utils import timezone
from rapidfuzz import fuzz

from .models import Appeal

THRESHOLD = 55
WINDOW_DAYS = 30
NEAR_KM = 3.0
STOP = set(
    "的 了 在 是 我 有 和 就 不 人 都 一 一个 上 也 很 到 说 要 去 你 会 着 没有 看 好 自己 这 那 请 吗 呢 啊".split()
)


def words(text: str) -> str:
    import jieba

    tokens = [t.strip() for t in jieba.lcut(text or "") if t.strip()]
    return " ".join(
        t for t in tokens if t not in STOP and not all(ch in "，。！？、,.!? " for ch in t)
    )


def _km(a_lat, a_lon, b_lat, b_lon) -> float:
    from driverhome.core.geo import haversine_km

    return haversine_km(a_lat, a_lon, b_lat, b_lon)


def similar_to(
    queryset,
    *,
    category,
    description: str,
    lat=None,
    lon=None,
    exclude_pk=None,
    now=None,
    limit: int = 5,
) -> list[tuple[Appeal, int]]:
    """``[(appeal, score 0–100)]`` best first, from ``queryset`` (already scoped to the user)."""
    now = now or timezone.now()
    candidates = (
        queryset.open()
        .filter(category=category, received_at__gte=now - timedelta(days=WINDOW_DAYS))
        .exclude(pk=exclude_pk)
        .order_by("-received_at")[:200]
    )
    mine = words(description)
    scored = []
    for other in candidates:
        if lat is not None and other.lat is not None:
            if _km(lat, lon, other.lat, other.lon) > NEAR_KM:
                continue
        score = int(fuzz.token_set_ratio(mine, words(other.description)))
        if score >= THRESHOLD:
            scored.append((other, score))
    scored.sort(key=lambda pair: -pair[1])
    return scored[:limit]


def hotspots(queryset, *, days: int = 7, min_reports: int = 3, now=None) -> list[dict]:
    """Groups of reports about the same place and category in the last ``days`` days.

    A place is the Driver's Home named in the request, else a ~1 km grid cell
    around its location. Counted are distinct reporters (drivers, or phones).
    """
    now = now or timezone.now()
    recent = queryset.filter(received_at__gte=now - timedelta(days=days)).exclude(
        status=Appeal.Status.MERGED
    )
    groups: dict[tuple, dict] = {}
    by_station = (
        recent.filter(station__isnull=False)
        .values(
            "station__code",
            "station__name",
            "category__code",
            "category__name",
            "category__name_en",
        )
        .annotate(reports=Count("pk"), drivers=Count("driver", distinct=True))
    )
    for row in by_station:
        groups[("station", row["station__code"], row["category__code"])] = {
            "place": row["station__name"],
            "station": row["station__code"],
            "category": row["category__code"],
            "category_name": row["category__name"],
            "category_name_en": row["category__name_en"],
            "reports": row["reports"],
            "drivers": row["drivers"],
        }
    cells: dict[tuple, dict] = defaultdict(lambda: {"reports": 0, "drivers": set()})
    for row in recent.filter(station__isnull=True, lat__isnull=False).values(
        "lat",
        "lon",
        "address",
        "category__code",
        "category__name",
        "category__name_en",
        "driver_id",
        "pk",
    ):
        key = ("cell", round(row["lat"], 2), round(row["lon"], 2), row["category__code"])
        cell = cells[key]
        cell["reports"] += 1
        cell["drivers"].add(row["driver_id"] or f"a{row['pk']}")
        cell.setdefault("place", row["address"] or f"{row['lat']:.3f}, {row['lon']:.3f}")
        cell.update(
            category=row["category__code"],
            category_name=row["category__name"],
            category_name_en=row["category__name_en"],
            station="",
            lat=round(row["lat"], 2),
            lon=round(row["lon"], 2),
        )
    for key, cell in cells.items():
        cell["drivers"] = len(cell["drivers"])
        groups[key] = dict(cell)
    result = [g for g in groups.values() if g["reports"] >= min_reports]
    result.sort(key=lambda g: (-g["reports"], g["place"]))
    return result


def open_similar_count(queryset, appeal: Appeal) -> int:
    return (
        queryset.open()
        .filter(category=appeal.category)
        .filter(Q(station=appeal.station) if appeal.station_id else Q(pk__in=[]))
        .exclude(pk=appeal.pk)
        .count()
    )
