from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from driverhome.core.dates import form_validator
from driverhome.core.validation import Rule, RulesFormMixin

from .models import STAFF_ROLES, Organisation, Role, User


class LoginForm(AuthenticationForm):
    username = forms.CharField(
        label=_("Username or mobile number"),
        max_length=150,
        widget=forms.TextInput(
            attrs={"autocomplete": "username", "autofocus": True, "autocapitalize": "none"}
        ),
    )
    error_messages = {
        "invalid_login": _("The username/mobile number or password is wrong. Please try again."),
        "inactive": _("This account is disabled."),
    }


class TokenForm(forms.Form):
    name = forms.CharField(label=_("What the token is for"), max_length=80)


class AuditFilterForm(forms.Form):
    actor = forms.CharField(label=_("Actor"), required=False, max_length=150)
    action = forms.CharField(label=_("Action"), required=False, max_length=64)
    object_type = forms.CharField(label=_("Object type"), required=False, max_length=64)
    object_id = forms.CharField(label=_("Object"), required=False, max_length=64)
    since = forms.DateField(
        validators=[form_validator()],
        label=_("From"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    until = forms.DateField(
        validators=[form_validator()],
        label=_("To"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )


class PhoneCodeForm(forms.Form):
    """A mobile number and the code sent to it (the code is checked on the second step)."""

    phone = forms.CharField(
        label=_("Mobile number"),
        max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
    )
    code = forms.CharField(
        label=_("Code from the text message"),
        max_length=6,
        required=False,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "pattern": "[0-9]{6}"}
        ),
        help_text=_("6 digits, valid for 5 minutes."),
    )


class PasswordResetForm(PhoneCodeForm):
    password = forms.CharField(
        label=_("New password"),
        required=False,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("At least 8 characters, not only digits."),
    )


class OrganisationForm(RulesFormMixin, forms.ModelForm):
    """An organisation as the console edits it; the parent is one of the editor's subtree."""

    class Meta:
        model = Organisation
        fields = [
            "code",
            "name",
            "short_name",
            "kind",
            "unit_kind",
            "parent",
            "region_code",
            "leader_name",
            "phone",
            "is_active",
        ]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        parents = Organisation.objects.for_user(user).filter(is_active=True)
        if self.instance.pk:
            parents = parents.exclude(path__startswith=self.instance.path)
            # Its parent stays choosable even above the editor's subtree (saved unmoved).
            parents = parents | Organisation.objects.filter(pk=self.instance.parent_id)
            self.fields["code"].disabled = True  # the public code stays (URLs and imports name it)
        self.fields["parent"].queryset = parents.order_by("path")
        self.fields["parent"].required = not user.sees_everything


class UserForm(RulesFormMixin, forms.ModelForm):
    """A staff account: its role in an organisation of the administrator's subtree."""

    password = forms.CharField(
        label=_("Password"),
        required=False,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("Leave empty to keep it (a new account without one logs in by no password)."),
    )

    rules_map = {"password": Rule(max_length=128)}

    class Meta:
        model = User
        fields = ["username", "full_name", "role", "organisation", "is_active"]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = [(r.value, r.label) for r in Role if r in STAFF_ROLES]
        self.fields["organisation"].queryset = Organisation.objects.for_user(user).filter(
            is_active=True
        )
        if self.instance.pk:
            self.fields["username"].disabled = True

    def clean_password(self):
        password = self.cleaned_data.get("password") or ""
        if password:
            password_validation.validate_password(password, self.instance)
        return password
