"""Forms of the console and driver pages. They validate input; actions make the change."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from driverhome.accounts.models import Organisation
from driverhome.core.dates import form_validator

from .models import GRADE_CHOICES, Facility, RubricCriterion, Station

WEEKDAYS = [
    _("Monday"),
    _("Tuesday"),
    _("Wednesday"),
    _("Thursday"),
    _("Friday"),
    _("Saturday"),
    _("Sunday"),
]


class StationForm(forms.ModelForm):
    class Meta:
        model = Station
        fields = [
            "name",
            "kind",
            "address",
            "city",
            "province",
            "postal_code",
            "lat",
            "lon",
            "time_zone",
            "phone",
            "supervision_phone",
            "description",
            "truck_bays",
            "car_bays",
            "beds",
            "rooms",
            "low_threshold",
            "is_active",
        ]
        widgets = {"description": forms.Textarea(attrs={"rows": 4})}
        help_texts = {
            "lat": _("WGS-84, as a phone reports it (e.g. 29.93)."),
            "lon": _("WGS-84 (e.g. 121.87)."),
            "low_threshold": _("Below this many free truck bays the open-data feed says LOW."),
        }


class NewStationForm(StationForm):
    """A new site: its public code and the organisation that runs it, then the details."""

    class Meta(StationForm.Meta):
        fields = ["code", "operator", *StationForm.Meta.fields]
        help_texts = {
            **StationForm.Meta.help_texts,
            "code": _("Letters, digits and hyphens; it appears in the site's public address."),
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["operator"].queryset = (
            Organisation.objects.for_user(user).filter(is_active=True).order_by("path")
        )


class FacilitiesForm(forms.Form):
    """One row per catalogue facility: present, free or paid, price, hours."""

    def __init__(self, *args, station: Station, **kwargs):
        super().__init__(*args, **kwargs)
        self.catalogue = list(Facility.objects.filter(is_active=True))
        current = {sf.facility_id: sf for sf in station.facilities.all()}
        self.rows = []
        for f in self.catalogue:
            sf = current.get(f.pk)
            prefix = f"f_{f.code}"
            self.fields[f"{prefix}_present"] = forms.BooleanField(
                required=False, initial=sf is not None, label=f.name
            )
            self.fields[f"{prefix}_free"] = forms.BooleanField(
                required=False,
                initial=sf.is_free if sf else f.usually_free,
                label=_("Free"),
            )
            self.fields[f"{prefix}_price"] = forms.CharField(
                required=False, max_length=60, initial=sf.price if sf else "", label=_("Price")
            )
            self.fields[f"{prefix}_hours"] = forms.CharField(
                required=False, max_length=60, initial=sf.hours if sf else "", label=_("Hours")
            )
            self.rows.append(
                {
                    "facility": f,
                    "present": self[f"{prefix}_present"],
                    "free": self[f"{prefix}_free"],
                    "price": self[f"{prefix}_price"],
                    "hours": self[f"{prefix}_hours"],
                }
            )

    def items(self) -> list[dict]:
        data = self.cleaned_data
        return [
            {
                "code": f.code,
                "is_free": data[f"f_{f.code}_free"],
                "price": data[f"f_{f.code}_price"],
                "hours": data[f"f_{f.code}_hours"],
            }
            for f in self.catalogue
            if data[f"f_{f.code}_present"]
        ]


class HoursForm(forms.Form):
    open_24h = forms.BooleanField(required=False, label=_("Open 24 hours every day"))

    def __init__(self, *args, station: Station, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.fields["open_24h"].initial = station.open_24h
        by_day = {}
        for w in station.weekly_hours.all():
            by_day.setdefault(w.weekday, w)
        self.days = []
        for day, label in enumerate(WEEKDAYS):
            current = by_day.get(day)
            self.fields[f"d{day}_opens"] = forms.TimeField(
                required=False,
                label=_("Opens"),
                initial=current.opens if current else None,
                widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            )
            self.fields[f"d{day}_closes"] = forms.TimeField(
                required=False,
                label=_("Closes"),
                initial=current.closes if current else None,
                widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            )
            self.days.append(
                {"label": label, "opens": self[f"d{day}_opens"], "closes": self[f"d{day}_closes"]}
            )

    def clean(self):
        data = super().clean()
        for day in range(7):
            opens, closes = data.get(f"d{day}_opens"), data.get(f"d{day}_closes")
            if bool(opens) != bool(closes):
                self.add_error(f"d{day}_closes", _("Give both times, or neither for a closed day."))
        return data

    def weekly(self) -> list[tuple]:
        data = self.cleaned_data
        return [
            (day, data[f"d{day}_opens"], data[f"d{day}_closes"])
            for day in range(7)
            if data.get(f"d{day}_opens") and data.get(f"d{day}_closes")
        ]


class HoursExceptionForm(forms.Form):
    date = forms.DateField(
        validators=[form_validator()],
        label=_("Date"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    closed = forms.BooleanField(required=False, label=_("Closed all day"))
    opens = forms.TimeField(
        required=False, label=_("Opens"), widget=forms.TimeInput(attrs={"type": "time"})
    )
    closes = forms.TimeField(
        required=False, label=_("Closes"), widget=forms.TimeInput(attrs={"type": "time"})
    )
    note = forms.CharField(required=False, max_length=120, label=_("Note"))


class AvailabilityForm(forms.Form):
    free_truck_bays = forms.IntegerField(required=False, min_value=0, label=_("Free truck bays"))
    free_beds = forms.IntegerField(required=False, min_value=0, label=_("Free beds"))


class StaffCheckInForm(forms.Form):
    who = forms.CharField(
        max_length=40,
        label=_("Phone number or plate"),
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "text"}),
    )


def services_choices():
    return [(f.code, f.name) for f in Facility.objects.filter(is_active=True)]


class DriverCheckInForm(forms.Form):
    services_used = forms.MultipleChoiceField(
        required=False,
        label=_("What did you use? (optional)"),
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, station: Station, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["services_used"].choices = [
            (sf.facility.code, sf.facility.name)
            for sf in station.facilities.select_related("facility")
        ]


STARS = [(i, str(i)) for i in range(5, 0, -1)]


class ReviewForm(forms.Form):
    cleanliness = forms.TypedChoiceField(
        choices=STARS, coerce=int, label=_("Cleanliness"), widget=forms.RadioSelect
    )
    service = forms.TypedChoiceField(
        choices=STARS, coerce=int, label=_("Service"), widget=forms.RadioSelect
    )
    facilities = forms.TypedChoiceField(
        choices=STARS, coerce=int, label=_("Facilities"), widget=forms.RadioSelect
    )
    comment = forms.CharField(
        required=False,
        max_length=1000,
        label=_("Comment"),
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ReplyForm(forms.Form):
    reply = forms.CharField(
        max_length=1000, label=_("Reply"), widget=forms.Textarea(attrs={"rows": 2})
    )


class HideForm(forms.Form):
    reason = forms.CharField(max_length=200, label=_("Why hide it?"))


class AssessmentForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), min_value=2000)
    note = forms.CharField(
        required=False, label=_("Note"), widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].initial = timezone.localdate().year
        self.assessor_criteria = list(
            RubricCriterion.objects.filter(is_active=True, source=RubricCriterion.Source.ASSESSOR)
        )
        for c in self.assessor_criteria:
            self.fields[f"c_{c.code}"] = forms.IntegerField(
                min_value=0,
                max_value=c.points,
                initial=0,
                label=f"{c.code} {c.name}",
                help_text=_("0 to %(max)s points") % {"max": c.points},
            )

    def points(self) -> dict:
        return {c.code: self.cleaned_data[f"c_{c.code}"] for c in self.assessor_criteria}


class GradeForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), min_value=2000)
    grade = forms.ChoiceField(choices=GRADE_CHOICES, label=_("Grade"))
    awarded_on = forms.DateField(
        validators=[form_validator(past=True)],
        label=_("Awarded on"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    document = forms.CharField(required=False, max_length=80, label=_("Document number"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].initial = timezone.localdate().year
        self.fields["awarded_on"].initial = timezone.localdate()


class SensorTokenForm(forms.Form):
    name = forms.CharField(required=False, max_length=80, label=_("Name of the device"))


class PhotoForm(forms.Form):
    image = forms.FileField(label=_("Photo"))
    caption = forms.CharField(required=False, max_length=120, label=_("Caption"))


class NearbyForm(forms.Form):
    """The driver's filters. Position comes from the phone (JS) or from a place chosen on the map."""

    lat = forms.FloatField(required=False, widget=forms.HiddenInput, min_value=-90, max_value=90)
    lon = forms.FloatField(required=False, widget=forms.HiddenInput, min_value=-180, max_value=180)
    open_now = forms.BooleanField(required=False, label=_("Open now"))
    free_bays = forms.BooleanField(required=False, label=_("Free truck bays"))
    free_bed = forms.BooleanField(required=False, label=_("Free bed"))
    free_showers = forms.BooleanField(required=False, label=_("Free showers"))
    grade_4a = forms.BooleanField(required=False, label=_("Grade 4A or higher"))
    facility = forms.ChoiceField(required=False, label=_("Has"))

    def __init__(self, *args, language: str = "zh-hans", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["facility"].choices = [("", _("any facility"))] + [
            (f.code, f.label(language)) for f in Facility.objects.filter(is_active=True)
        ]


class FacilityForm(forms.ModelForm):
    class Meta:
        model = Facility
        fields = ["code", "name", "name_en", "kind", "usually_free", "order", "is_active"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["code"].disabled = True


class CriterionForm(forms.ModelForm):
    class Meta:
        model = RubricCriterion
        fields = ["name", "name_en", "points", "is_active"]
