"""Open311 GeoReport v2 under ``/open311/v2/``: discovery, services, requests (JSON and XML).

Services are our request categories; a request posted here (with an ``api_key``
from ``driverhome open311-key NAME``) enters the same closed loop as any
other. The public feed shows every request's stage, unit and deadline; the
description and the location of requests that came from drivers through our
own channels stay private (they are the drivers' words), only those posted
through Open311 itself are shown in full.
"""

from __future__ import annotations

from datetime import timedelta
from xml.etree import ElementTree as ET

from django.http import HttpResponse, JsonResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from driverhome.accounts.models import Organisation
from driverhome.core import dates, validation
from driverhome.core.errors import DomainError, RateLimited
from driverhome.core.ratelimit import check_rate

from .catalogue import active_leaf
from .models import Appeal, AppealType, Category, Open311Key

app_name = "open311"

FORMATS = ("json", "xml")
MAX_RESULTS = 1000
DEFAULT_DAYS = 90
STAGE_NOTES = {
    Appeal.Status.COLLECTED: "collected",
    Appeal.Status.REPORTED: "reported",
    Appeal.Status.RETURNED: "reported",
    Appeal.Status.HANDLING: "handling",
    Appeal.Status.ANSWERED: "answered",
    Appeal.Status.VISITED: "return visit",
    Appeal.Status.CLOSED: "closed",
    Appeal.Status.WITHDRAWN: "withdrawn",
    Appeal.Status.MERGED: "merged",
}


class Open311Error(Exception):
    def __init__(self, status: int, description: str, code: int | None = None):
        super().__init__(description)
        self.status = status
        self.code = code or status
        self.description = description


def _iso(value):
    if value is None:
        return None
    return timezone.localtime(value).isoformat(timespec="seconds")


def _xml(root_tag: str, item_tag: str, items) -> bytes:
    root = ET.Element(root_tag)
    if root_tag == item_tag:  # one object, not a list (discovery)
        _xml_item(root, items[0])
    for item in items if root_tag != item_tag else ():
        _xml_item(ET.SubElement(root, item_tag), item)
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="utf-8")


def _xml_item(element, item: dict) -> None:
    for key, value in item.items():
        if isinstance(value, list):
            wrapper = ET.SubElement(element, key)
            child_tag = {
                "attributes": "attribute",
                "values": "value",
                "endpoints": "endpoint",
                "formats": "format",
                "keywords": "keyword",
            }.get(key, "item")
            for entry in value:
                if isinstance(entry, dict):
                    _xml_item(ET.SubElement(wrapper, child_tag), entry)
                else:
                    ET.SubElement(wrapper, child_tag).text = str(entry)
        elif isinstance(value, dict):
            _xml_item(ET.SubElement(element, key), value)
        else:
            child = ET.SubElement(element, key)
            if value is not None:
                child.text = str(value).lower() if isinstance(value, bool) else str(value)


def _respond(fmt: str, root_tag: str, item_tag: str, items, status: int = 200):
    if fmt == "xml":
        return HttpResponse(
            _xml(root_tag, item_tag, items), status=status, content_type="text/xml; charset=utf-8"
        )
    if root_tag == "discovery":
        return JsonResponse(items[0], status=status, json_dumps_params={"ensure_ascii": False})
    return JsonResponse(items, safe=False, status=status, json_dumps_params={"ensure_ascii": False})


def _error(fmt: str, exc: Open311Error):
    items = [{"code": exc.code, "description": exc.description}]
    response = _respond(fmt if fmt in FORMATS else "json", "errors", "error", items, exc.status)
    return response


def open311_view(view):
    def wrapped(request, fmt, **kwargs):
        if fmt not in FORMATS:
            return _error("json", Open311Error(404, "Unknown format; use .json or .xml."))
        try:
            _check_jurisdiction(request)
            return view(request, fmt, **kwargs)
        except Open311Error as exc:
            return _error(fmt, exc)
        except RateLimited as exc:
            response = _error(fmt, Open311Error(429, str(exc)))
            response["Retry-After"] = str(exc.retry_after)
            return response

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return csrf_exempt(wrapped)


def _param(request, name):
    source = request.POST if request.method == "POST" else request.GET
    value = source.get(name, "")
    return value.strip() or None  # an empty parameter counts as absent


def _check_jurisdiction(request):
    jurisdiction = _param(request, "jurisdiction_id")
    if jurisdiction and not Organisation.objects.filter(code=jurisdiction, is_active=True).exists():
        raise Open311Error(404, "Unknown jurisdiction_id.")
    request.jurisdiction = jurisdiction


# --- discovery and services --------------------------------------------------------------------


@open311_view
def discovery(request, fmt):
    """The endpoints, their formats and a contact."""
    base = request.build_absolute_uri(reverse("open311:service-list", kwargs={"fmt": "json"}))
    base = base.rsplit("/", 1)[0] + "/"
    latest = Category.objects.order_by("-pk").values_list("pk", flat=True).first()
    item = {
        "changeset": _iso(timezone.now().replace(hour=0, minute=0, second=0, microsecond=0))
        if latest
        else None,
        "contact": _("Driver's Home service desk"),
        "key_service": _("api_key from the platform administrator (driverhome open311-key NAME)"),
        "endpoints": [
            {
                "specification": "http://wiki.open311.org/GeoReport_v2",
                "url": base,
                "changeset": None,
                "type": "production",
                "formats": ["application/json", "text/xml"],
            }
        ],
    }
    return _respond(fmt, "discovery", "discovery", [item])


def _service(category: Category) -> dict:
    return {
        "service_code": category.code,
        "service_name": category.display_name,
        "description": category.parent.display_name if category.parent_id else "",
        "metadata": True,
        "type": "realtime",
        "keywords": ", ".join(filter(None, [category.name, category.name_en])),
        "group": category.parent.display_name if category.parent_id else "",
    }


def _services():
    return Category.objects.filter(is_active=True, parent__isnull=False).select_related("parent")


@open311_view
def service_list(request, fmt):
    """The request types: our categories."""
    return _respond(fmt, "services", "service", [_service(c) for c in _services().order_by("code")])


@open311_view
def service_detail(request, fmt, service_code):
    """The service definition: the request type is the one extra attribute."""
    category = _services().filter(code=service_code).first()
    if category is None:
        raise Open311Error(404, "Unknown service_code.")
    definition = {
        "service_code": category.code,
        "attributes": [
            {
                "variable": True,
                "code": "type",
                "datatype": "singlevaluelist",
                "required": False,
                "datatype_description": _(
                    "The kind of request; the category's default when absent."
                ),
                "order": 1,
                "description": _("Type"),
                "values": [{"key": key, "name": str(label)} for key, label in AppealType.choices],
            }
        ],
    }
    if fmt == "xml":
        root = ET.Element("service_definition")
        _xml_item(root, definition)
        body = b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="utf-8")
        return HttpResponse(body, content_type="text/xml; charset=utf-8")
    return JsonResponse(definition, json_dumps_params={"ensure_ascii": False})


# --- requests --------------------------------------------------------------------------------------


def _request_item(appeal: Appeal) -> dict:
    public = appeal.channel == Appeal.Channel.OPEN311
    note = STAGE_NOTES.get(appeal.status, appeal.status)
    last = next(
        (t for t in reversed(list(appeal.transitions.all())) if t.public and t.public_note), None
    )
    if last is not None:
        note = f"{note}: {last.public_note}"
    return {
        "service_request_id": appeal.tracking_no,
        "status": "open" if appeal.is_open else "closed",
        "status_notes": note,
        "service_name": appeal.category.display_name,
        "service_code": appeal.category.code,
        "description": appeal.description if public else "",
        "agency_responsible": appeal.handling_unit.name if appeal.handling_unit_id else "",
        "service_notice": "",
        "requested_datetime": _iso(appeal.received_at),
        "updated_datetime": _iso(appeal.updated_at),
        "expected_datetime": _iso(appeal.answer_due_at),
        "address": appeal.address if public else "",
        "address_id": "",
        "zipcode": "",
        "lat": appeal.lat if public else None,
        "long": appeal.lon if public else None,
        "media_url": "",
    }


def _requests_qs(request):
    qs = Appeal.objects.select_related("category", "handling_unit").prefetch_related("transitions")
    if getattr(request, "jurisdiction", None):
        org = Organisation.objects.get(code=request.jurisdiction)
        qs = qs.in_subtree(org.path)
    return qs


def _parse_when(value, name, end=False):
    if value is None:
        return None
    try:
        return dates.parse_moment(value, field=name, end=end)
    except dates.DateOutOfRange as exc:
        raise Open311Error(400, str(exc)) from None


@open311_view
def request_list(request, fmt):
    """GET: search requests. POST: create one (with ``api_key``)."""
    if request.method == "POST":
        return _create(request, fmt)
    if request.method != "GET":
        raise Open311Error(405, "Use GET or POST.")
    qs = _requests_qs(request)
    ids = _param(request, "service_request_id")
    if ids:
        wanted = [part.strip().upper() for part in ids.split(",") if part.strip()]
        qs = qs.filter(tracking_no__in=wanted)
    else:
        codes = _param(request, "service_code")
        if codes:
            qs = qs.filter(category__code__in=[c.strip() for c in codes.split(",")])
        status = _param(request, "status")
        if status:
            wanted = {s.strip() for s in status.split(",")}
            if not wanted <= {"open", "closed"}:
                raise Open311Error(400, "status must be open or closed.")
            if wanted == {"open"}:
                qs = qs.filter(status__in=Appeal.OPEN_STATUSES)
            elif wanted == {"closed"}:
                qs = qs.exclude(status__in=Appeal.OPEN_STATUSES)
        start = _parse_when(_param(request, "start_date"), "start_date")
        end = _parse_when(_param(request, "end_date"), "end_date", end=True)
        if start is None and end is None:
            start = timezone.now() - timedelta(days=DEFAULT_DAYS)
        if start is not None:
            qs = qs.filter(received_at__gte=start)
        if end is not None:
            qs = qs.filter(received_at__lte=end)
    items = [_request_item(a) for a in qs.order_by("-received_at")[:MAX_RESULTS]]
    return _respond(fmt, "service_requests", "request", items)


@open311_view
def request_detail(request, fmt, service_request_id):
    """One request, as a list with one item."""
    appeal = _requests_qs(request).filter(tracking_no=service_request_id.upper()).first()
    if appeal is None:
        raise Open311Error(404, "Unknown service_request_id.")
    return _respond(fmt, "service_requests", "request", [_request_item(appeal)])


def _api_key(request) -> Open311Key:
    secret = _param(request, "api_key")
    if not secret:
        raise Open311Error(403, "api_key is required.")
    key = (
        Open311Key.objects.select_related("organisation")
        .filter(key_hash=Open311Key.hash_key(secret), revoked_at__isnull=True)
        .first()
    )
    if key is None:
        raise Open311Error(403, "api_key is not valid or was revoked.")
    return key


def _create(request, fmt):
    from . import actions

    check_rate(request, "open311-post", limit=30, window=60)
    key = _api_key(request)
    code = _param(request, "service_code")
    if not code:
        raise Open311Error(400, "service_code is required.")
    category = active_leaf(code)
    if category is None:
        raise Open311Error(404, "Unknown service_code.")
    lat, lon = _param(request, "lat"), _param(request, "long")
    address = _param(request, "address_string") or _param(request, "address_id") or ""
    location = None
    if lat or lon:
        try:
            location = (float(lat), float(lon))
        except (TypeError, ValueError):
            raise Open311Error(400, "lat and long must both be decimal degrees.") from None
    elif not address:
        raise Open311Error(
            400, "A location is required: lat and long, address_string or address_id."
        )
    description = _param(request, "description") or ""
    appeal_type = _param(request, "attribute[type]")
    if appeal_type and appeal_type not in AppealType.values:
        raise Open311Error(400, "attribute[type] is not one of the listed values.")
    name = " ".join(filter(None, [_param(request, "first_name"), _param(request, "last_name")]))
    media = _param(request, "media_url")
    if media:
        description = f"{description}\n{media}".strip()
    # The fields' own rules (core/validation.py), as the API and the pages apply them.
    checked = {}
    for param, field, value in (
        ("description", "description", description or category.name),
        ("address_string", "address", address),
        ("first_name/last_name", "reporter_name", name),
        ("phone", "reporter_phone", _param(request, "phone") or ""),
        ("email", "reporter_email", _param(request, "email") or ""),
    ):
        try:
            checked[field] = validation.check(Appeal, field, value)
        except validation.FieldInvalid as exc:
            raise Open311Error(400, f"{param}: {exc.message}") from None
    try:
        appeal = actions.file_appeal(
            actor=None,
            channel=Appeal.Channel.OPEN311,
            category=category,
            appeal_type=appeal_type,
            description=checked["description"],
            location=location,
            address=checked["address"],
            reporter_name=checked["reporter_name"],
            reporter_phone=checked["reporter_phone"],
            reporter_email=checked["reporter_email"],
            open311_key=key,
            organisation=key.organisation,
        )
    except DomainError as exc:
        raise Open311Error(exc.status if exc.status == 409 else 400, str(exc)) from None
    item = {
        "service_request_id": appeal.tracking_no,
        "service_notice": _("Answer expected by %(due)s.") % {"due": _iso(appeal.answer_due_at)},
        "account_id": _param(request, "account_id") or "",
    }
    return _respond(fmt, "service_requests", "request", [item], status=201)


urlpatterns = [
    path("discovery.<str:fmt>", discovery, name="discovery"),
    path("services.<str:fmt>", service_list, name="service-list"),
    path("services/<str:service_code>.<str:fmt>", service_detail, name="service-detail"),
    path("requests.<str:fmt>", request_list, name="request-list"),
    path("requests/<str:service_request_id>.<str:fmt>", request_detail, name="request-detail"),
]
