"""Forms of the housing pages: buildings, apartments, taking out of service, the import."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from driverhome.core.validation import Rule, RulesFormMixin

from .housing import MAX_CAPACITY, MAX_FLOORS, organisations_for
from .models import Apartment, Building


class BuildingForm(RulesFormMixin, forms.Form):
    rules_model = Building

    code = forms.SlugField(
        label=_("Code"),
        max_length=40,
        help_text=_("Letters, digits and hyphens, e.g. jiyun-1; used in addresses and imports."),
    )
    name = forms.CharField(label=_("Name of the building"), max_length=80)
    organisation = forms.ModelChoiceField(label=_("Managed by"), queryset=None)
    address = forms.CharField(label=_("Address"), max_length=200, required=False)
    floors = forms.IntegerField(label=_("Floors"), min_value=1, max_value=MAX_FLOORS, initial=1)

    def __init__(self, *args, user, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations_for(user)
        if user.organisation_id and not editing:
            self.fields["organisation"].initial = user.organisation_id
        if editing:
            del self.fields["code"]


class ApartmentForm(RulesFormMixin, forms.Form):
    rules_model = Apartment

    number = forms.CharField(label=_("Apartment number"), max_length=16)
    floor = forms.IntegerField(label=_("Floor"), min_value=1, max_value=MAX_FLOORS, initial=1)
    capacity = forms.IntegerField(
        label=_("Capacity (persons)"),
        min_value=1,
        max_value=MAX_CAPACITY,
        initial=4,
        help_text=_("The household (the driver and the family living with him) must fit."),
    )


class ServiceForm(RulesFormMixin, forms.Form):
    rules_map = {"reason": Rule(max_length=200)}

    reason = forms.CharField(label=_("Reason"), max_length=200, required=False)


class HousingImportForm(forms.Form):
    file = forms.FileField(label=_("Buildings and apartments (.xlsx or CSV)"))
    organisation = forms.ModelChoiceField(
        label=_("New buildings managed by"), queryset=None, required=False
    )
    dry_run = forms.BooleanField(label=_("Dry run: check every row, write nothing"), required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations_for(user)
        if user.organisation_id:
            self.fields["organisation"].initial = user.organisation_id
