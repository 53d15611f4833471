"""Driver site: nearby list, map, site page, check-in by the QR poster, rating. Light pages."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

from driverhome.accounts.access import driver_required
from driverhome.core import geo
from driverhome.core.errors import DomainError, RateLimited
from driverhome.core.ratelimit import check_rate
from driverhome.core.uploads import upload_response

from . import actions, forecast, navigation, present, search
from .forms import DriverCheckInForm, NearbyForm, ReviewForm
from .models import CheckIn, Station, StationFacility


def _rate_limited(request, exc: RateLimited):
    response = render(
        request, "stations/driver/rate_limited.html", {"message": str(exc)}, status=429
    )
    response["Retry-After"] = str(exc.retry_after)
    return response


def _filters(form: NearbyForm) -> search.Filters:
    data = form.cleaned_data if form.is_valid() else {}
    return search.Filters(
        open_now=data.get("open_now", False),
        free_bays=data.get("free_bays", False),
        free_bed=data.get("free_bed", False),
        facility=data.get("facility", ""),
        free_showers=data.get("free_showers", False),
        min_grade="4A" if data.get("grade_4a") else "",
    )


def nearby(request):
    """Nearest sites first when the phone gave its position; otherwise every site by code."""
    try:
        check_rate(request, "stations-public", limit=120, window=60)
    except RateLimited as exc:
        return _rate_limited(request, exc)
    form = NearbyForm(request.GET or None, language=get_language() or "zh-hans")
    filters = _filters(form)
    point = None
    if form.is_valid() and form.cleaned_data.get("lat") is not None:
        if form.cleaned_data.get("lon") is not None:
            point = (form.cleaned_data["lat"], form.cleaned_data["lon"])
            if request.GET.get("crs") == "gcj02":
                point = geo.gcj02_to_wgs84(*point)
    now = timezone.now()
    cursor = request.GET.get("cursor")
    try:
        if point:
            hits, next_cursor = search.nearest(
                point[0], point[1], filters=filters, cursor=cursor, now=now
            )
        else:
            hits, next_cursor = search.listing(filters=filters, cursor=cursor, now=now)
    except DomainError as exc:
        messages.error(request, str(exc))
        hits, next_cursor = [], None
    results = [{"hit": h, "availability": present.availability(h.station, now)} for h in hits]
    _arrival_flags(results, now)
    query = request.GET.copy()
    query.pop("cursor", None)
    return render(
        request,
        "stations/driver/nearby.html",
        {
            "form": form,
            "results": results,
            "point": point,
            "next_cursor": next_cursor,
            "query": query.urlencode(),
        },
    )


def _arrival_flags(results: list[dict], now) -> None:
    """The expected free truck bays on arrival and "likely full"; likely-full sites move
    after the others on the page (nearest first within each)."""
    arrivals = forecast.on_arrival([r["hit"] for r in results], now)
    for r in results:
        r["arrival"] = arrivals.get(r["hit"].station.pk)
    results.sort(key=lambda r: bool(r["arrival"] and r["arrival"]["likely_full"]))


def station_map(request):
    """Map of the sites: Leaflet with the configured tiles, or a list and a plain schematic."""
    try:
        check_rate(request, "stations-public", limit=120, window=60)
    except RateLimited as exc:
        return _rate_limited(request, exc)
    stations = list(Station.objects.public().only(*search.LIST_FIELDS).order_by("name")[:500])
    now = timezone.now()
    points = []
    for s in stations:
        lat, lon = present.map_point(s)
        avail = present.availability(s, now)
        points.append(
            {
                "code": s.code,
                "name": s.name,
                "lat": round(lat, 6),
                "lon": round(lon, 6),
                "url": reverse("stations_driver:station-detail", kwargs={"code": s.code}),
                "free_truck_bays": None if avail["stale"] else s.free_truck_bays,
                "free_beds": None if avail["stale"] else s.free_beds,
            }
        )
    tiles = bool(settings.MAP_TILE_URL)
    return render(
        request,
        "stations/driver/map.html",
        {
            "stations": stations,
            "map_config": {
                "tile_url": settings.MAP_TILE_URL,
                "attribution": settings.MAP_TILE_ATTRIBUTION,
                "crs": settings.MAP_TILE_CRS,
                "points": points,
                "labels": {
                    "trucks": _("free truck bays"),
                    "beds": _("free beds"),
                    "open": _("Open the site page"),
                },
            },
            "tiles": tiles,
            "schematic": present.schematic(stations),
            "scale": present.scale_bar(stations),
        },
    )


def station_detail(request, code: str):
    try:
        check_rate(request, "stations-public", limit=120, window=60)
    except RateLimited as exc:
        return _rate_limited(request, exc)
    station = get_object_or_404(
        Station.objects.public().prefetch_related(
            Prefetch("facilities", queryset=StationFacility.objects.select_related("facility")),
            "weekly_hours",
            "hours_exceptions",
            "photos",
        ),
        code=code,
    )
    now = timezone.now()
    can_review = False
    user = request.user
    if user.is_authenticated and user.is_driver:
        from driverhome.drivers.access import driver_for_user

        driver = driver_for_user(user)
        can_review = bool(driver and actions.reviewable_checkin(station, driver))
    return render(
        request,
        "stations/driver/detail.html",
        {
            "forecast": _forecast(request, station, now),
            "arrival_choices": [(m, _arrival_label(m)) for m in ARRIVAL_CHOICES],
            "station": station,
            "availability": present.availability(station, now),
            "open_now": station.is_open_at(
                now, list(station.weekly_hours.all()), list(station.hours_exceptions.all())
            ),
            "rating": present.rating(station),
            "reviews": list(present.visible_reviews(station)[:5]),
            "exceptions": [e for e in station.hours_exceptions.all() if e.date >= now.date()],
            "can_review": can_review,
            "where": navigation.where(station),
            "free_facilities": [sf for sf in station.facilities.all() if sf.is_free],
            "paid_facilities": [sf for sf in station.facilities.all() if not sf.is_free],
        },
    )


ARRIVAL_CHOICES = [30, 60, 90, 120, 180, 240, 360, 480, 720]  # minutes, the page's menu


def _arrival_label(minutes: int) -> str:
    hours, rest = divmod(minutes, 60)
    if not hours:
        return _("%(n)s min") % {"n": rest}
    if not rest:
        return ngettext("%(n)s hour", "%(n)s hours", hours) % {"n": hours}
    return _("%(h)s h %(m)s min") % {"h": hours, "m": rest}


def _forecast(request, station: Station, now) -> dict:
    """The forecast card's data: arrival from the menu (minutes) or from the position the
    phone shared (distance at 60 km/h); a bad value is ignored with a note."""
    minutes, distance, note = None, None, ""
    raw = request.GET.get("arrive", "")
    if raw.isdigit() and int(raw) in ARRIVAL_CHOICES:
        minutes = int(raw)
    elif request.GET.get("lat") and request.GET.get("lon"):
        try:
            point = search.parse_point(request.GET["lat"], request.GET["lon"])
        except DomainError as exc:
            note = str(exc)
        else:
            distance = geo.haversine_km(point[0], point[1], station.lat, station.lon)
    try:
        arrive_at = forecast.arrival_time(now, in_minutes=minutes, distance_km=distance)
    except DomainError as exc:  # farther than 12 hours' drive
        arrive_at, note = None, str(exc)
    data = forecast.presented(station, now=now, arrive_at=arrive_at)
    data["hourly"] = [step for step in data["steps"] if step["at"].minute == 0]
    data["distance_km"] = distance
    data["minutes"] = minutes
    data["note"] = note
    return data


def station_photo(request, code: str, photo_id):
    station = get_object_or_404(Station.objects.public(), code=code)
    photo = get_object_or_404(station.photos, public_id=photo_id)
    return upload_response(photo.file_name)


def _driver_file(request):
    from driverhome.drivers.access import driver_for_user

    return driver_for_user(request.user)


@driver_required
def checkin(request, code: str, key: str):
    """The QR poster's URL: confirm, optionally tick the services used, and the visit counts."""
    station = get_object_or_404(Station.objects.public(), code=code)
    if key != station.checkin_key:
        raise Http404
    driver = _driver_file(request)
    form = DriverCheckInForm(request.POST or None, station=station)
    if driver is None:
        messages.error(
            request, _("Your login is not linked to a driver file yet; ask the site staff.")
        )
    elif request.method == "POST" and form.is_valid():
        try:
            check_rate(request, "stations-checkin", limit=20, window=60, key=str(request.user.pk))
            result = actions.check_in(
                station,
                driver,
                actor=request.user,
                channel=CheckIn.Channel.QR,
                services_used=form.cleaned_data["services_used"],
            )
        except DomainError as exc:
            messages.error(request, str(exc))
        else:
            if result.created:
                messages.success(request, _("Welcome! Your visit is recorded."))
            else:
                messages.info(request, _("You have already checked in here today."))
            return redirect("stations_driver:station-detail", code=station.code)
    return render(
        request,
        "stations/driver/checkin.html",
        {"station": station, "form": form, "driver": driver},
    )


@driver_required
def review_new(request, code: str):
    station = get_object_or_404(Station.objects.public(), code=code)
    driver = _driver_file(request)
    checkin = actions.reviewable_checkin(station, driver) if driver else None
    form = ReviewForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            check_rate(request, "stations-review", limit=10, window=60, key=str(request.user.pk))
            if driver is None:
                raise DomainError(
                    _("Your login is not linked to a driver file yet; ask the site staff.")
                )
            actions.submit_review(station, driver, actor=request.user, **form.cleaned_data)
        except DomainError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("Thank you for your rating."))
            return redirect("stations_driver:station-detail", code=station.code)
    return render(
        request,
        "stations/driver/review_form.html",
        {"station": station, "form": form, "checkin": checkin},
    )
