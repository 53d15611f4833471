"""Setting up a deployment: the organisation tree import and a new account's first password."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib.auth import password_validation
from django.contrib.auth.tokens import default_token_generator
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.encoding import force_str
from django.utils.http import urlsafe_base64_decode
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache

from driverhome.core.errors import DomainError
from driverhome.core.ratelimit import rate_limit
from driverhome.core.sheets import ImportFileError

from . import actions, orgimport
from .access import role_required
from .models import Role, User


class OrgImportForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("Organisation tree (.xlsx or CSV)"))
    dry_run = forms.BooleanField(
        label=gettext_lazy("Dry run: check every row, write nothing"), required=False
    )


class FirstPasswordForm(forms.Form):
    password = forms.CharField(
        label=gettext_lazy("New password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=gettext_lazy("At least 8 characters, not only digits."),
    )

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_password(self):
        password = self.cleaned_data["password"]
        password_validation.validate_password(password, self.user)
        return password


@role_required(Role.ADMIN)
def org_import(request):
    form = OrgImportForm(request.POST or None, request.FILES or None)
    result = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        data = upload.read(settings.IMPORT_MAX_BYTES + 1)
        try:
            result = orgimport.run_import(
                data,
                filename=upload.name,
                actor=request.user,
                dry_run=form.cleaned_data["dry_run"],
            )
        except (ImportFileError, DomainError) as exc:
            form.add_error("file", str(exc))
    return render(
        request,
        "accounts/org_import.html",
        {
            "form": form,
            "result": result,
            "labels": orgimport.OUTCOME_LABELS,
            "origin": request.build_absolute_uri("/")[:-1],
        },
    )


@role_required(Role.ADMIN)
def org_import_template(request):
    response = HttpResponse(
        orgimport.template_xlsx(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = 'attachment; filename="organisations.xlsx"'
    return response


def _invited(uidb64: str, token: str) -> User | None:
    try:
        pk = int(force_str(urlsafe_base64_decode(uidb64)))
        user = User.objects.get(pk=pk, is_active=True)
    except (ValueError, TypeError, OverflowError, User.DoesNotExist):
        return None
    return user if default_token_generator.check_token(user, token) else None


@never_cache
@rate_limit("password-set", limit=20, window=600)
def password_set(request, uidb64: str, token: str):
    """The link an imported account received: choose a password (once; then it expires)."""
    user = _invited(uidb64, token)
    if user is None:
        return render(request, "accounts/password_set.html", {"invalid": True}, status=404)
    form = FirstPasswordForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        actions.set_first_password(user, password=form.cleaned_data["password"])
        return render(request, "accounts/password_set.html", {"done": True, "account": user})
    return render(request, "accounts/password_set.html", {"form": form, "account": user})
