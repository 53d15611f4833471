from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from driverhome.core.dates import form_validator

from .models import Kind, Schedule

DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
DATE = forms.DateInput(attrs={"type": "date"})
TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
WEEKDAYS = [
    (0, _("Monday")),
    (1, _("Tuesday")),
    (2, _("Wednesday")),
    (3, _("Thursday")),
    (4, _("Friday")),
    (5, _("Saturday")),
    (6, _("Sunday")),
]
NTHS = [
    ("1", _("first")),
    ("2", _("second")),
    ("3", _("third")),
    ("4", _("fourth")),
    ("-1", _("last")),
]


class _SiteFields(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=Kind.choices)
    title = forms.CharField(label=_("Title"), max_length=120)
    station = forms.ModelChoiceField(
        label=pgettext_lazy("event", "Site"), queryset=None, to_field_name="code"
    )
    capacity = forms.IntegerField(
        label=pgettext_lazy("event", "Capacity"),
        min_value=1,
        required=False,
        help_text=_("Empty: no limit."),
    )
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea)
    service_items = forms.ModelMultipleChoiceField(
        label=_("Services offered"),
        queryset=None,
        required=False,
        to_field_name="code",
        widget=forms.SelectMultiple(attrs={"size": 8}),
    )
    course = forms.ModelChoiceField(
        label=_("Course (training sessions)"), queryset=None, required=False, to_field_name="code"
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        from driverhome.services.models import ServiceItem, TrainingCourse
        from driverhome.stations.models import Station

        self.fields["station"].queryset = Station.objects.for_user(user).order_by("code")
        self.fields["service_items"].queryset = ServiceItem.objects.filter(is_active=True).order_by(
            "code"
        )
        self.fields["course"].queryset = TrainingCourse.objects.for_user(user)


class EventForm(_SiteFields):
    starts_at = forms.DateTimeField(
        validators=[form_validator()], label=_("Starts"), widget=DATETIME
    )
    ends_at = forms.DateTimeField(validators=[form_validator()], label=_("Ends"), widget=DATETIME)

    field_order = ["kind", "title", "station", "starts_at", "ends_at", "capacity"]

    def clean(self):
        data = super().clean()
        if data.get("starts_at") and data.get("ends_at") and data["ends_at"] <= data["starts_at"]:
            self.add_error("ends_at", _("The end must be after the start."))
        return data


class ScheduleForm(_SiteFields):
    rule = forms.ChoiceField(label=_("Repeats"), choices=Schedule.Rule.choices)
    weekday = forms.TypedChoiceField(label=_("Weekday"), choices=WEEKDAYS, coerce=int)
    nths = forms.MultipleChoiceField(
        label=_("Weeks of the month"),
        choices=NTHS,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("For monthly schedules, e.g. second and last."),
    )
    interval = forms.IntegerField(label=_("Every n weeks"), min_value=1, max_value=8, initial=1)
    first_date = forms.DateField(
        validators=[form_validator()], label=pgettext_lazy("event", "From"), widget=DATE
    )
    last_date = forms.DateField(
        validators=[form_validator()], label=pgettext_lazy("event", "Until"), widget=DATE
    )
    start_time = forms.TimeField(label=_("Starts at"), widget=TIME)
    end_time = forms.TimeField(label=_("Ends at"), widget=TIME)
    skip_holidays = forms.BooleanField(
        label=_("Skip statutory holidays"), required=False, initial=True
    )

    field_order = [
        "kind",
        "title",
        "station",
        "rule",
        "weekday",
        "nths",
        "interval",
        "first_date",
        "last_date",
        "start_time",
        "end_time",
        "skip_holidays",
        "capacity",
    ]

    def clean(self):
        data = super().clean()
        if data.get("rule") == Schedule.Rule.MONTHLY and not data.get("nths"):
            self.add_error("nths", _("Choose at least one week of the month."))
        return data


class EditForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=120)
    capacity = forms.IntegerField(
        label=pgettext_lazy("event", "Capacity"),
        min_value=1,
        required=False,
        help_text=_("Empty: no limit."),
    )
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea)


class MoveForm(forms.Form):
    starts_at = forms.DateTimeField(
        validators=[form_validator()], label=_("New start"), widget=DATETIME
    )
    ends_at = forms.DateTimeField(
        validators=[form_validator()], label=_("New end"), widget=DATETIME
    )
    reason = forms.CharField(label=_("Reason (sent to the drivers)"), max_length=200)

    def clean(self):
        data = super().clean()
        if data.get("starts_at") and data.get("ends_at") and data["ends_at"] <= data["starts_at"]:
            self.add_error("ends_at", _("The end must be after the start."))
        return data


class CancelForm(forms.Form):
    reason = forms.CharField(label=_("Reason (sent to the drivers)"), max_length=200)


class LookupForm(forms.Form):
    q = forms.CharField(
        label=_("Mobile number, plate or QR code"),
        max_length=200,
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}
        ),
    )


class StallForm(forms.Form):
    organisation = forms.ModelChoiceField(
        label=_("Organisation"), queryset=None, to_field_name="code"
    )
    stall = forms.CharField(label=_("Stall"), max_length=40, required=False)
    offers = forms.CharField(label=_("Offers"), max_length=200, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from driverhome.accounts.models import Organisation

        self.fields["organisation"].queryset = Organisation.objects.filter(is_active=True).exclude(
            kind__in=["province", "city"]
        )


class ServiceForm(forms.Form):
    item = forms.ModelChoiceField(
        label=_("Service item"), queryset=None, to_field_name="code", empty_label=None
    )
    notes = forms.CharField(label=_("Notes"), max_length=500, required=False)

    def __init__(self, *args, event, **kwargs):
        super().__init__(*args, **kwargs)
        from driverhome.services.models import ServiceItem

        offered = event.service_items.all()
        self.fields["item"].queryset = (
            offered if offered.exists() else ServiceItem.objects.filter(is_active=True)
        ).order_by("code")


class RequestForm(forms.Form):
    category = forms.ModelChoiceField(
        label=_("Category"), queryset=None, to_field_name="code", empty_label=None
    )
    description = forms.CharField(
        label=_("What the driver needs"), widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from driverhome.appeals.models import Category

        self.fields["category"].queryset = Category.objects.filter(
            is_active=True, parent__isnull=False
        ).order_by("code")


class RatingForm(forms.Form):
    rating = forms.TypedChoiceField(
        label=_("Your rating"),
        choices=[(n, str(n)) for n in range(5, 0, -1)],
        coerce=int,
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=pgettext_lazy("event feedback", "Comment"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class CompleteForm(forms.Form):
    driver = forms.UUIDField(widget=forms.HiddenInput)
