"""Forms of the request pages (driver intake, staff intake, list filters, public look-up)."""

from __future__ import annotations

import uuid

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from driverhome.core.dates import form_validator
from driverhome.core.validation import RulesFormMixin

from .catalogue import active_leaf
from .models import Appeal, AppealType, Category, ReturnVisit

STAFF_CHANNELS = [
    (Appeal.Channel.PHONE, Appeal.Channel.PHONE.label),
    (Appeal.Channel.WALK_IN, Appeal.Channel.WALK_IN.label),
    (Appeal.Channel.MARKET, Appeal.Channel.MARKET.label),
    (Appeal.Channel.PAPER, Appeal.Channel.PAPER.label),
]


def category_choices(blank=True):
    groups: dict = {}
    for category in (
        Category.objects.filter(is_active=True).select_related("parent").order_by("code")
    ):
        if category.parent_id is None:
            groups.setdefault(category.pk, (category.display_name, []))
        else:
            groups.setdefault(category.parent_id, (category.parent.display_name, []))[1].append(
                (category.code, category.display_name)
            )
    choices = [(label, items) for label, items in groups.values() if items]
    return ([("", _("Choose…"))] if blank else []) + choices


def station_choices():
    from driverhome.stations.models import Station

    return [("", _("None"))] + list(Station.objects.order_by("name").values_list("code", "name"))


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault(
            "widget", MultipleFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"})
        )
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data if item]
        return [single(data, initial)] if data else []


class _IntakeBase(RulesFormMixin, forms.Form):
    rules_model = Appeal
    rules_map = {"idempotency_key": None, "driver_lookup": None}

    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=120)
    category = forms.ChoiceField(label=_("What is it about?"))
    description = forms.CharField(
        label=_("Describe the problem"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    station = forms.ChoiceField(label=_("At which Driver's Home?"), required=False)
    address = forms.CharField(label=_("Where exactly?"), max_length=200, required=False)
    lat = forms.FloatField(widget=forms.HiddenInput, required=False, min_value=-90, max_value=90)
    lon = forms.FloatField(widget=forms.HiddenInput, required=False, min_value=-180, max_value=180)
    anonymous = forms.BooleanField(
        label=_("Do not show my name to the handling unit"),
        required=False,
        help_text=_("The staff of the Driver's Home still see who you are, to call you back."),
    )
    photos = PhotosField(label=_("Photos (up to 4)"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = category_choices()
        self.fields["station"].choices = station_choices()
        if not self.is_bound:
            self.initial.setdefault("idempotency_key", uuid.uuid4().hex)

    def clean_category(self):
        category = active_leaf(self.cleaned_data["category"])
        if category is None:
            raise forms.ValidationError(_("Please choose a category."))
        return category

    def clean_station(self):
        code = self.cleaned_data.get("station")
        if not code:
            return None
        from driverhome.stations.models import Station

        return Station.objects.filter(code=code).first()

    def location(self):
        lat, lon = self.cleaned_data.get("lat"), self.cleaned_data.get("lon")
        return (lat, lon) if lat is not None and lon is not None else None


class DriverAppealForm(_IntakeBase):
    pass


class StaffIntakeForm(_IntakeBase):
    driver_lookup = forms.CharField(
        label=_("Driver (phone, last 4 digits or plate)"), required=False, max_length=40
    )
    reporter_name = forms.CharField(label=_("Name of the caller"), required=False, max_length=60)
    reporter_phone = forms.CharField(label=_("Phone of the caller"), required=False, max_length=32)
    channel = forms.ChoiceField(label=_("Channel"), choices=STAFF_CHANNELS)
    appeal_type = forms.ChoiceField(
        label=_("Type"),
        choices=[("", _("The category's default"))] + AppealType.choices,
        required=False,
    )
    received_at = forms.DateTimeField(
        validators=[form_validator(past=True)],
        label=_("Received at"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=_("For a paper form: when it was handed in. Empty means now."),
    )

    field_order = [
        "channel",
        "driver_lookup",
        "reporter_name",
        "reporter_phone",
        "received_at",
        "category",
        "appeal_type",
        "description",
        "station",
        "address",
        "anonymous",
        "photos",
    ]

    def clean_received_at(self):
        value = self.cleaned_data.get("received_at")
        if value and value > timezone.now():
            raise forms.ValidationError(_("The time received cannot be in the future."))
        return value


class FilterForm(forms.Form):
    q = forms.CharField(label=_("Tracking number"), required=False, max_length=20)
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("All"))] + Appeal.Status.choices
    )
    category = forms.ChoiceField(label=_("Category"), required=False)
    unit = forms.CharField(label=_("Unit code"), required=False, max_length=64)
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)
    mine = forms.BooleanField(label=_("Waiting for me"), required=False)
    soon = forms.BooleanField(label=_("Due in the next two days"), required=False)
    # Links from the dashboard's figures: a group of statuses, or the re-handled ones.
    state = forms.ChoiceField(
        required=False,
        widget=forms.HiddenInput,
        choices=[("", ""), ("open", "open"), ("answered", "answered"), ("closed", "closed")],
    )
    rehandled = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [("", _("All"))] + category_choices(blank=False)


class StatusLookupForm(forms.Form):
    tracking_no = forms.CharField(label=_("Tracking number"), max_length=20)
    last4 = forms.RegexField(
        label=_("Last four digits of the phone number"),
        regex=r"^\d{4}$",
        max_length=4,
        error_messages={"invalid": _("Four digits.")},
    )


class RatingForm(RulesFormMixin, forms.Form):
    rules_model = ReturnVisit

    resolved = forms.ChoiceField(
        label=_("Was it resolved?"),
        choices=[
            ("yes", _("Resolved")),
            ("partly", _("Partly resolved")),
            ("no", _("Not resolved")),
        ],
        widget=forms.RadioSelect,
    )
    satisfaction = forms.TypedChoiceField(
        label=_("How satisfied are you?"),
        coerce=int,
        choices=[(i, str(i)) for i in range(5, 0, -1)],
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=pgettext_lazy("appeal", "Comment"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class MessageForm(forms.Form):
    """The driver adds information or photos to his open request."""

    text = forms.CharField(
        label=_("What would you like to add?"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    photos = PhotosField(label=_("Photos"))


class ReasonForm(forms.Form):
    """A reason, required: to withdraw a request or to ask to reopen it."""

    reason = forms.CharField(
        label=_("Reason"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )


class RevealForm(forms.Form):
    reason = forms.CharField(label=_("Why do you need the number?"), max_length=200)


class PeriodForm(forms.Form):
    """A period (and optionally one handling unit) for the weak closures."""

    start = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput({"type": "date"})
    )
    end = forms.DateField(label=_("To"), required=False, widget=forms.DateInput({"type": "date"}))
    unit = forms.CharField(label=_("Unit code"), required=False, max_length=64)

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["start"] > data["end"]:
            self.add_error("end", _("The end comes before the start."))
        return data
