"""Forms of the services pages."""

from __future__ import annotations

import json

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from driverhome.core.dates import form_validator

from .models import CareerChange, LifecycleNode, ServiceItem, ServiceRecord, WorkshopMember


class ItemChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.code} {obj.label}"


def _stations():
    from driverhome.stations.models import Station

    return Station.objects.order_by("name")


def _items():
    return ServiceItem.objects.filter(is_active=True).select_related("node")


class RecordForm(forms.Form):
    driver = forms.CharField(label=_("Driver"), max_length=200)
    item = ItemChoiceField(label=_("Service item"), queryset=ServiceItem.objects.none())
    family_member = forms.ChoiceField(label=_("For"), required=False, choices=())
    delivered_at = forms.DateTimeField(
        validators=[form_validator(past=True)],
        label=_("When"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )
    station = forms.ModelChoiceField(
        label=_("Driver's Home"), queryset=None, required=False, empty_label=_("Elsewhere")
    )
    place = forms.CharField(label=_("Where"), max_length=120, required=False)
    outcome = forms.ChoiceField(label=_("Outcome"), choices=ServiceRecord.Outcome.choices)
    notes = forms.CharField(
        label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, family=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["item"].queryset = _items()
        self.fields["station"].queryset = _stations()
        self.fields["family_member"].choices = [("", _("The driver himself"))] + [
            (str(m.public_id), f"{m.get_relation_display()} {m.name}") for m in family
        ]
        self.fields["delivered_at"].initial = timezone.localtime().strftime("%Y-%m-%dT%H:%M")


class BulkRecordForm(forms.Form):
    item = ItemChoiceField(label=_("Service item"), queryset=ServiceItem.objects.none())
    drivers = forms.CharField(
        label=pgettext_lazy("people", "Drivers"),
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_(
            "One per line, for everyone who attended: name, plate, mobile number or ID number."
        ),
    )
    delivered_at = forms.DateTimeField(
        validators=[form_validator(past=True)],
        label=_("When"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )
    place = forms.CharField(label=_("Where"), max_length=120, required=False)
    notes = forms.CharField(label=_("Notes"), required=False, max_length=500)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["item"].queryset = _items()
        self.fields["delivered_at"].initial = timezone.localtime().strftime("%Y-%m-%dT%H:%M")


class NodeForm(forms.Form):
    code = forms.CharField(label=_("Code"), max_length=8)
    name = forms.CharField(label=_("Name"), max_length=40)
    name_en = forms.CharField(label=_("English name"), max_length=80, required=False)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    order = forms.IntegerField(label=_("Order"), min_value=0)
    is_active = forms.BooleanField(label=_("Active"), required=False)


class ItemForm(forms.Form):
    code = forms.CharField(label=_("Code"), max_length=12)
    node = forms.ModelChoiceField(label=_("Node"), queryset=LifecycleNode.objects.all())
    name = forms.CharField(label=_("Name"), max_length=80)
    name_en = forms.CharField(label=_("English name"), max_length=120, required=False)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    provider_label = forms.CharField(label=_("Provided by"), max_length=80, required=False)
    channel = forms.ChoiceField(label=_("How it is delivered"), choices=ServiceItem.Channel.choices)
    beneficiary = forms.ChoiceField(label=_("For"), choices=ServiceItem.Beneficiary.choices)
    eligibility = forms.CharField(
        label=_("Eligibility rules (JSON)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 8, "class": "code"}),
    )
    eligibility_hint = forms.CharField(
        label=_("Eligibility (plain words)"), max_length=120, required=False
    )
    clause = forms.CharField(label=_("Standard clause"), max_length=120, required=False)
    base_urgency = forms.IntegerField(label=_("Base urgency"), min_value=0, max_value=100)
    is_active = forms.BooleanField(label=_("Active"), required=False)

    def clean_eligibility(self):
        text = self.cleaned_data["eligibility"].strip()
        if not text:
            return {}
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            raise forms.ValidationError(
                _("This is not valid JSON: %(error)s") % {"error": exc}
            ) from None


class EnrolForm(forms.Form):
    child = forms.ChoiceField(label=_("Child"), choices=())

    def __init__(self, *args, children=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["child"].choices = [
            (str(c.public_id), f"{c.name} · {c.driver.name}") for c in children
        ]


class AttendanceForm(forms.Form):
    day = forms.DateField(
        validators=[form_validator()],
        label=_("Day"),
        widget=forms.DateInput(attrs={"type": "date"}),
    )


class EarningForm(forms.Form):
    member = forms.ChoiceField(label=_("Member"), choices=())
    month = forms.DateField(
        validators=[form_validator()],
        label=_("Month"),
        widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m"),
        input_formats=["%Y-%m", "%Y-%m-%d"],
    )
    amount = forms.DecimalField(
        label=_("Earned (yuan)"), min_value=0, max_digits=9, decimal_places=2
    )
    pieces = forms.IntegerField(label=_("Pieces"), min_value=0, required=False)

    def __init__(self, *args, members=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"].choices = [
            (str(m.public_id), f"{m.spouse.name} ({m.get_mode_display()})") for m in members
        ]


class MemberForm(forms.Form):
    spouse = forms.CharField(
        label=_("Driver"),
        max_length=200,
        help_text=_("The driver's spouse on file becomes the member."),
    )
    mode = forms.ChoiceField(label=_("Works"), choices=WorkshopMember.Mode.choices)
    income_before = forms.IntegerField(
        label=_("Her monthly income before joining (yuan)"), min_value=0, initial=0
    )


class CareerChangeForm(forms.Form):
    driver = forms.CharField(label=_("Driver"), max_length=200)
    from_job = forms.CharField(label=_("From job"), max_length=120, initial="集卡司机")
    to_job = forms.CharField(label=_("To job"), max_length=120)
    new_employer = forms.CharField(label=_("New employer"), max_length=120, required=False)
    changed_on = forms.DateField(
        validators=[form_validator()],
        label=_("Changed on"),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    help = forms.ChoiceField(label=_("Help given"), choices=CareerChange.Help.choices)
    notes = forms.CharField(label=_("Notes"), required=False, max_length=500)
