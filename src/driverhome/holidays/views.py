"""Console pages of the working calendar: the years, one year's days, entering and importing."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from driverhome.accounts.access import role_required
from driverhome.accounts.models import Role
from driverhome.core import workdays
from driverhome.core.errors import DomainError

from . import actions, notice
from .forms import ImportForm, YearForm
from .models import CalendarDay, CalendarYear

VIEW_ROLES = (Role.SITE_STAFF, *actions.EDIT_ROLES)


@role_required(*VIEW_ROLES)
def year_list(request):
    this_year = timezone.localdate().year
    years = list(CalendarYear.objects.filter(year__gte=this_year - 5))
    known = {calendar.year for calendar in years}
    upcoming = [year for year in (this_year, this_year + 1) if year not in known]
    return render(
        request,
        "holidays/year_list.html",
        {
            "years": years,
            "upcoming": upcoming,
            "missing": workdays.missing_year(),
            "may_edit": actions.may_edit(request.user),
            "import_form": ImportForm(initial={"year": this_year + 1}),
        },
    )


def _lines(days, kind) -> str:
    return "\n".join(f"{d.day.isoformat()} {d.name}".strip() for d in days if d.kind == kind)


@role_required(*VIEW_ROLES)
def year_detail(request, year: int):
    if not 2000 <= year <= 2100:
        raise Http404
    calendar = CalendarYear.objects.filter(year=year).first()
    days = list(calendar.days.all()) if calendar else []
    may_edit = actions.may_edit(request.user)
    if request.method == "POST":
        if not may_edit:
            raise Http404
        form = YearForm(request.POST)
        if form.is_valid():
            try:
                entered = notice.parse_lines(
                    form.cleaned_data["holidays"], CalendarDay.Kind.HOLIDAY
                ) + notice.parse_lines(form.cleaned_data["workdays"], CalendarDay.Kind.WORKDAY)
                actions.enter_year(
                    actor=request.user,
                    year=year,
                    days=entered,
                    notice=form.cleaned_data["notice"],
                )
            except DomainError as error:
                form.add_error(None, str(error))
            else:
                messages.success(
                    request,
                    _("The %(year)s calendar is saved; open deadlines were counted again.")
                    % {"year": year},
                )
                return redirect("holidays:year-detail", year=year)
    else:
        form = YearForm(
            initial={
                "notice": calendar.notice if calendar else "",
                "holidays": _lines(days, CalendarDay.Kind.HOLIDAY),
                "workdays": _lines(days, CalendarDay.Kind.WORKDAY),
            }
        )
    return render(
        request,
        "holidays/year_detail.html",
        {"year": year, "calendar": calendar, "days": days, "form": form, "may_edit": may_edit},
    )


@role_required(*actions.EDIT_ROLES)
@require_POST
def year_import(request):
    form = ImportForm(request.POST, request.FILES)
    if form.is_valid():
        upload = form.cleaned_data["file"]
        year = form.cleaned_data["year"]
        try:
            if upload.size > settings.UPLOAD_MAX_BYTES:
                raise DomainError(_("The file is too large."), code="too_large", field="file")
            actions.enter_year(
                actor=request.user,
                year=year,
                days=notice.read_file(upload.read(), upload.name),
                notice=form.cleaned_data["notice"],
                source=CalendarYear.Source.IMPORTED,
            )
        except DomainError as error:
            messages.error(request, str(error))
            return redirect("holidays:year-list")
        messages.success(
            request,
            _("The %(year)s calendar is imported; open deadlines were counted again.")
            % {"year": year},
        )
        return redirect("holidays:year-detail", year=year)
    for errors in form.errors.values():
        for error in errors:
            messages.error(request, error)
    return redirect("holidays:year-list")
