"""The platform's own 400, 403, 404 and 500 answers, in the reader's language.

Driver URLs get the driver site's look, ``/console/`` the console's, and the
machine interfaces (``/api/``, ``/open311/``) keep answering JSON. The 500 page
reads nothing from the database: it must render when the database is the problem.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import errors

MACHINE_PREFIXES = ("/api/", "/open311/")

#: status -> (stable code, title, explanation)
PAGES = {
    400: (
        "bad_request",
        gettext_lazy("This request could not be understood"),
        gettext_lazy("The address or the form sent is not valid. Go back and try again."),
    ),
    403: (
        "forbidden",
        gettext_lazy("You may not open this page"),
        gettext_lazy(
            "Your login does not give access to it. If you think it should, ask the "
            "administrator of your organisation."
        ),
    ),
    404: (
        "not_found",
        gettext_lazy("Page not found"),
        gettext_lazy("The link may be old or mistyped, or the page was removed."),
    ),
    500: (
        "server_error",
        gettext_lazy("Something went wrong on our side"),
        gettext_lazy(
            "It is not something you did, and it has been logged. Please try again in a "
            "few minutes."
        ),
    ),
}


def _is_machine(request) -> bool:
    return request.path.startswith(MACHINE_PREFIXES)


def _json(request, status: int):
    """The API's ``{"code", "detail"}`` or GeoReport's error list, by the address."""
    code, title, _text = PAGES[status]
    detail = errors.NOT_FOUND if status == 404 else title
    return errors.error_response(request, status, code, detail)


def _in_console(request) -> bool:
    return request.path.startswith("/console/")


def _base_template(request) -> str:
    if not _in_console(request):
        return "driver/base.html"
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated and user.is_platform_staff:
        return "console/base.html"
    return "errors/console_plain.html"


def error_page(request, status: int, *, message: str = "") -> HttpResponse:
    """The page for ``status`` in the look of the site the address belongs to."""
    if _is_machine(request):
        return _json(request, status)
    _code, title, text = PAGES[status]
    context = {
        "base_template": _base_template(request),
        "status": status,
        "title": title,
        "message": message or text,
        "home_url": "/console/" if _in_console(request) else "/",
    }
    return render(request, "errors/page.html", context, status=status)


def bad_request(request, exception=None):
    return error_page(request, 400)


def permission_denied(request, exception=None):
    return error_page(request, 403)


def page_not_found(request, exception=None):
    return error_page(request, 404)


def csrf_failure(request, reason=""):
    """A form posted without its security token (usually a page left open too long)."""
    return error_page(
        request,
        403,
        message=_(
            "The form had expired, for example because the page was open for a long time or "
            "you logged in elsewhere meanwhile. Go back, reload the page and send it again."
        ),
    )


def server_error(request):
    if _is_machine(request):
        return _json(request, 500)
    _code, title, text = PAGES[500]
    body = render_to_string(
        "errors/500.html",
        {
            "PLATFORM_NAME": settings.PLATFORM_NAME,
            "title": title,
            "message": text,
            "home_url": "/console/" if _in_console(request) else "/",
        },
    )
    return HttpResponse(body, status=500)
