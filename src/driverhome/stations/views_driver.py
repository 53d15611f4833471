"""Driver site: nearby list, map, site page, check-in by the QR poster, rating. Light pages."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from driverhome.accounts.access import driver_required
from driverhome.core import geo
from driverhome.core.errors import DomainError, RateLimited
from driverhome.core.ratelimit import check_rate
from driverhome.core.uploads import upload_response

from . import actions, navigation, present, search
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
