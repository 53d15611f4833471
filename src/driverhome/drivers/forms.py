from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from driverhome.accounts.forms import PhoneCodeForm
from driverhome.accounts.models import AccessLog, Organisation, Role, User
from driverhome.core.dates import form_validator
from driverhome.core.validation import RulesFormMixin

from .models import (
    Allocation,
    Apartment,
    Consent,
    CorrectionRequest,
    Driver,
    FamilyMember,
    LicenceClass,
    Note,
    PartyMembership,
    ResidenceType,
    SocialInsurance,
    Tag,
    Vehicle,
    WaitingListEntry,
)

# type=date reads and writes ISO dates whatever the language (a localised value shows blank).
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class DriverFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=40,
        widget=forms.TextInput(
            attrs={"placeholder": _("Name, pinyin, initials, plate, last 4 digits, ID number")}
        ),
    )
    residence = forms.ChoiceField(
        label=_("Residence"), required=False, choices=[("", _("All"))] + ResidenceType.choices
    )
    tag = forms.ChoiceField(label=_("Tag"), required=False, choices=[("", _("All"))] + Tag.choices)
    mine = forms.BooleanField(label=_("Only my caseload"), required=False)


def companies():
    return Organisation.objects.filter(
        kind=Organisation.Kind.LOGISTICS_COMPANY, is_active=True
    ).order_by("name")


class DriverForm(RulesFormMixin, forms.Form):
    rules_model = Driver

    name = forms.CharField(label=pgettext_lazy("person", "Name"), max_length=60)
    id_number = forms.CharField(
        label=_("ID number"),
        max_length=18,
        required=False,
        help_text=_("18 characters. Leave empty to keep the number on file."),
    )
    phone = forms.CharField(
        label=_("Mobile number"),
        max_length=20,
        required=False,
        help_text=_("Leave empty to keep the number on file."),
    )
    hometown = forms.CharField(label=_("Hometown"), max_length=60, required=False)
    household_registration = forms.CharField(
        label=_("Household registration"), max_length=120, required=False
    )
    residence_type = forms.ChoiceField(label=_("Residence"), choices=ResidenceType.choices)
    employer = forms.ModelChoiceField(label=_("Employer"), queryset=None, required=False)
    care_broker = forms.ModelChoiceField(label=_("Care broker"), queryset=None, required=False)
    tags = forms.MultipleChoiceField(
        label=_("Tags"), choices=Tag.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    licence_class = forms.ChoiceField(
        label=_("Driving licence class"),
        choices=[("", "—")] + LicenceClass.choices,
        required=False,
    )
    licence_expiry = forms.DateField(
        validators=[form_validator()],
        label=_("Driving licence expiry"),
        required=False,
        widget=DATE,
    )
    qualification_expiry = forms.DateField(
        validators=[form_validator()],
        label=_("Qualification certificate expiry"),
        required=False,
        widget=DATE,
    )
    social_insurance = forms.ChoiceField(
        label=_("Social insurance"), choices=SocialInsurance.choices
    )
    party_membership = forms.ChoiceField(
        label=_("Party membership"), choices=PartyMembership.choices
    )
    party_branch = forms.CharField(label=_("Party branch"), max_length=120, required=False)
    union_member = forms.BooleanField(label=_("Union member"), required=False)

    def __init__(self, *args, user: User, creating: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["employer"].queryset = companies()
        brokers = User.objects.filter(role=Role.BROKER, is_active=True)
        if not user.sees_everything and user.organisation_id:
            brokers = brokers.filter(organisation__path__startswith=user.organisation.path)
        self.fields["care_broker"].queryset = brokers.order_by("full_name")
        if creating:
            self.fields["id_number"].required = True
            self.fields["phone"].required = True
            self.fields["id_number"].help_text = _("18 characters; the check digit is verified.")
            self.fields["phone"].help_text = ""


class FamilyForm(RulesFormMixin, forms.ModelForm):
    id_number = forms.CharField(label=_("ID number"), max_length=18, required=False)

    class Meta:
        model = FamilyMember
        fields = [
            "relation",
            "name",
            "birth_date",
            "sex",
            "lives_with_driver",
            "school",
            "grade",
            "employment",
            "employer_name",
            "monthly_income",
        ]
        widgets = {"birth_date": DATE}


class VehicleForm(RulesFormMixin, forms.Form):
    rules_model = Vehicle

    plate = forms.CharField(
        label=_("Plate"),
        max_length=12,
        help_text=_("As on the number plate, e.g. 浙B12345; new-energy plates have 8 characters."),
        widget=forms.TextInput(
            attrs={
                "placeholder": "浙B12345",
                "autocapitalize": "characters",
                "autocomplete": "off",
                "spellcheck": "false",
            }
        ),
    )
    truck_type = forms.ChoiceField(label=_("Truck type"), choices=Vehicle.TruckType.choices)
    ownership = forms.ChoiceField(label=_("Ownership"), choices=Vehicle.Ownership.choices)


class NoteForm(RulesFormMixin, forms.Form):
    rules_model = Note

    text = forms.CharField(
        label=_("Note"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )


class ImportForm(forms.Form):
    file = forms.FileField(label=_("Roster (.xlsx or CSV)"))
    organisation = forms.ModelChoiceField(label=_("Files held by"), queryset=None)
    dry_run = forms.BooleanField(label=_("Dry run: check every row, write nothing"), required=False)

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        orgs = Organisation.objects.filter(is_active=True).exclude(
            kind__in=[Organisation.Kind.LOGISTICS_COMPANY, Organisation.Kind.HANDLING_UNIT]
        )
        if not user.sees_everything:
            orgs = orgs.filter(path__startswith=user.organisation.path)
        self.fields["organisation"].queryset = orgs.order_by("path")
        if user.organisation_id:
            self.fields["organisation"].initial = user.organisation_id


class RevealForm(RulesFormMixin, forms.Form):
    rules_map = {"reason": (AccessLog, "reason")}

    reason = forms.CharField(label=_("Why do you need the full value?"), max_length=200)


class RegisterForm(RulesFormMixin, PhoneCodeForm):
    """The mobile number and its code (``PhoneCodeForm``) come first, then the file."""

    rules_model = Driver

    name = forms.CharField(label=_("Your name"), max_length=60)
    id_number = forms.CharField(label=_("ID number"), max_length=18)
    site = forms.ModelChoiceField(label=_("Your Driver's Home"), queryset=None)
    password = forms.CharField(label=_("Password"), widget=forms.PasswordInput, min_length=8)
    consent_file = forms.BooleanField(label=Consent.Purpose.FILE.label, required=True)
    consent_sensitive = forms.BooleanField(label=Consent.Purpose.SENSITIVE.label, required=True)
    consent_contact = forms.BooleanField(label=Consent.Purpose.CONTACT.label, required=False)
    consent_sharing = forms.BooleanField(label=Consent.Purpose.SHARING.label, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["site"].queryset = Organisation.objects.filter(
            is_active=True,
            kind__in=[
                Organisation.Kind.OPERATOR,
                Organisation.Kind.COMMUNITY,
                Organisation.Kind.SUBDISTRICT,
            ],
        ).order_by("path")

    def clean_id_number(self):
        """Checked before the code is used, so that a typo does not cost the code."""
        from driverhome.core.errors import DomainError

        from .actions import clean_id

        try:
            return clean_id(self.cleaned_data["id_number"]).number
        except DomainError as exc:
            raise forms.ValidationError(str(exc)) from None

    def file_fields(self):
        """The fields after the number and its code."""
        return [self[name] for name in self.fields if name not in ("phone", "code")]

    def consents(self) -> list[str]:
        return [
            purpose
            for purpose, key in (
                (Consent.Purpose.FILE, "consent_file"),
                (Consent.Purpose.SENSITIVE, "consent_sensitive"),
                (Consent.Purpose.CONTACT, "consent_contact"),
                (Consent.Purpose.SHARING, "consent_sharing"),
            )
            if self.cleaned_data.get(key)
        ]


class SelfEditForm(RulesFormMixin, forms.Form):
    rules_model = Driver

    hometown = forms.CharField(label=_("Hometown"), max_length=60, required=False)
    household_registration = forms.CharField(
        label=_("Household registration"), max_length=120, required=False
    )
    residence_type = forms.ChoiceField(label=_("Residence"), choices=ResidenceType.choices)


class CorrectionForm(RulesFormMixin, forms.Form):
    rules_model = CorrectionRequest
    rules_map = {"new_value": None}

    FIELDS = [
        ("name", pgettext_lazy("person", "Name")),
        ("id_number", _("ID number")),
        ("phone", _("Mobile number")),
        ("licence_class", _("Driving licence class")),
        ("licence_expiry", _("Driving licence expiry")),
    ]
    field = forms.ChoiceField(label=_("What is wrong"), choices=FIELDS)
    new_value = forms.CharField(label=_("Correct value"), max_length=60)
    reason = forms.CharField(label=_("Anything staff should know"), max_length=200, required=False)


class DeleteForm(forms.Form):
    confirm = forms.BooleanField(
        label=_("I understand my file will be anonymised and my login closed."), required=True
    )


class AllocateForm(forms.Form):
    driver = forms.CharField(label=_("Driver"), max_length=200)
    started_on = forms.DateField(
        validators=[form_validator()], label=_("Moves in on"), required=False, widget=DATE
    )


class VacateForm(RulesFormMixin, forms.Form):
    rules_map = {"reason": (Allocation, "end_reason"), "residence_type": (Driver, "residence_type")}

    reason = forms.CharField(label=_("Reason"), max_length=120, required=False)
    # Where he lives once he has left: his file's residence type follows.
    residence_type = forms.ChoiceField(
        label=_("Lives now"),
        choices=[(v, label) for v, label in ResidenceType.choices if v != ResidenceType.APARTMENT],
        initial=ResidenceType.RENTED,
        required=False,
    )


class TransferForm(RulesFormMixin, forms.Form):
    """Move a household to another apartment: building and apartment number."""

    rules_model = Apartment

    building = forms.ModelChoiceField(
        label=_("Building"), queryset=None, to_field_name="code", empty_label=None
    )
    number = forms.CharField(label=_("Apartment number"), max_length=16)

    def __init__(self, *args, buildings, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["building"].queryset = buildings


class WaitingForm(RulesFormMixin, forms.Form):
    rules_model = WaitingListEntry
    rules_map = {"driver": None}

    driver = forms.CharField(label=_("Driver"), max_length=200)
    building = forms.ModelChoiceField(label=_("Building"), queryset=None)
    household_size = forms.IntegerField(
        label=_("Household size"), min_value=1, max_value=10, initial=1
    )

    def __init__(self, *args, buildings, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["building"].queryset = buildings


class FamilyEditForm(FamilyForm):
    """Staff correct a family member: the ID number is kept unless a new one is typed."""

    id_number = forms.CharField(
        label=_("ID number"),
        max_length=18,
        required=False,
        help_text=_("Leave empty to keep the number on file."),
    )


class SelfFamilyForm(RulesFormMixin, forms.ModelForm):
    """A driver adds or corrects a family member from his phone: the short form."""

    id_number = forms.CharField(
        label=_("ID number (optional)"),
        max_length=18,
        required=False,
        help_text=_("Staff check the ID number before it is kept."),
    )

    class Meta:
        model = FamilyMember
        fields = [
            "relation",
            "name",
            "birth_date",
            "lives_with_driver",
            "school",
            "grade",
            "employment",
        ]
        widgets = {"birth_date": DATE}
        help_texts = {"school": _("For a child at school."), "grade": ""}
        labels = {"lives_with_driver": _("Lives with me")}
