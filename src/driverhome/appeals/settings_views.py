"""Console pages of the closed loop's reference tables: categories, time limits, routing
rules and Open311 keys. Supervisors see them all and edit their areas' routing rules;
the platform's administrators edit the categories and time limits; administrators issue
and revoke Open311 keys for their organisations. Every write is an audited action."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from driverhome.accounts.access import role_required
from driverhome.accounts.models import Organisation, Role
from driverhome.core.errors import DomainError
from driverhome.core.pagination import paginate
from driverhome.core.validation import RulesFormMixin

from . import access, actions, routing
from .models import Category, Open311Key, RoutingRule, TimeLimit

VIEW_ROLES = (Role.SUPERVISOR, Role.ADMIN)


class CategoryForm(RulesFormMixin, forms.ModelForm):
    class Meta:
        model = Category
        fields = [
            "code",
            "parent",
            "name",
            "name_en",
            "default_type",
            "default_unit_kind",
            "order",
            "is_active",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["parent"].queryset = Category.objects.filter(parent__isnull=True)
        self.fields["default_unit_kind"] = forms.ChoiceField(
            label=self.fields["default_unit_kind"].label,
            required=False,
            choices=[("", "—"), *Organisation.UnitKind.choices, ("subdistrict", _("Sub-district"))],
        )
        if self.instance.pk:
            self.fields["code"].disabled = True


class TimeLimitForm(RulesFormMixin, forms.ModelForm):
    class Meta:
        model = TimeLimit
        fields = [
            "appeal_type",
            "category",
            "answer_days",
            "day_kind",
            "accept_days",
            "visit_days",
            "reminder_percent",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = Category.objects.filter(parent__isnull=False)
        if self.instance.pk:
            self.fields["appeal_type"].disabled = True
            self.fields["category"].disabled = True


class RoutingRuleForm(forms.Form):
    category = forms.ModelChoiceField(
        label=gettext_lazy("category"), queryset=Category.objects.none(), to_field_name="code"
    )
    area = forms.ModelChoiceField(
        label=gettext_lazy("area"), queryset=Organisation.objects.none(), to_field_name="code"
    )
    unit = forms.ModelChoiceField(
        label=gettext_lazy("handling unit"),
        queryset=Organisation.objects.none(),
        to_field_name="code",
    )

    def __init__(self, *args, user, rule=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = Category.objects.filter(
            parent__isnull=False, is_active=True
        )
        self.fields["area"].queryset = Organisation.objects.for_user(user).filter(
            is_active=True, kind__in=AREA_KINDS
        )
        self.fields["unit"].queryset = routing.handling_units(user)
        if rule is not None:
            del self.fields["category"], self.fields["area"]


AREA_KINDS = [
    Organisation.Kind.PROVINCE,
    Organisation.Kind.CITY,
    Organisation.Kind.DISTRICT,
    Organisation.Kind.SUBDISTRICT,
    Organisation.Kind.COMMUNITY,
    Organisation.Kind.OPERATOR,
]


class Open311KeyForm(RulesFormMixin, forms.Form):
    rules_model = Open311Key

    name = forms.CharField(label=gettext_lazy("Client system"), max_length=80)
    organisation = forms.ModelChoiceField(
        label=gettext_lazy("Files its requests under"),
        queryset=Organisation.objects.none(),
        to_field_name="code",
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = Organisation.objects.for_user(user).filter(
            is_active=True
        )


def _tabs(request, current: str) -> list[dict]:
    tabs = [
        ("routing", "appeals:routing-list", _("Routing rules")),
        ("categories", "appeals:category-list", _("Categories")),
        ("limits", "appeals:timelimit-list", _("Time limits")),
    ]
    if access.may_manage_open311(request.user):
        tabs.append(("open311", "appeals:open311key-list", _("Open311 keys")))
    return [
        {"url": reverse(name), "label": label, "active": key == current}
        for key, name, label in tabs
    ]


def _apply_error(form, error: DomainError) -> None:
    field = error.extra.get("field")
    form.add_error(field if field in form.fields else None, str(error))


def _list_page(request, current, context, form=None):
    bad = form is not None and form.is_bound and bool(form.errors)
    return render(
        request,
        "accounts/edit_list.html",
        {
            "tabs": _tabs(request, current),
            "tabs_label": _("Request settings"),
            "form": form,
            "form_action": "",
            **context,
        },
        status=400 if bad else 200,
    )


def _edit_page(request, form, title, back, back_label, *, delete_url="", history=None):
    history_url = ""
    if history:
        history_url = (
            f"{reverse('accounts:audit-list')}?object_type={history[0]}&object_id={history[1]}"
        )
    return render(
        request,
        "accounts/edit_form.html",
        {
            "form": form,
            "title": title,
            "back_url": reverse(back),
            "back_label": back_label,
            "delete_url": delete_url,
            "delete_confirm": _("Delete this?"),
            "history_url": history_url,
        },
        status=400 if form.is_bound and form.errors else 200,
    )


# --- Categories ------------------------------------------------------------------------------


@role_required(*VIEW_ROLES)
def category_list(request):
    may_edit = access.may_edit_catalogue(request.user)
    form = CategoryForm(request.POST or None) if may_edit else None
    if request.method == "POST":
        if not may_edit:
            raise Http404
        if form.is_valid():
            try:
                actions.create_category(actor=request.user, **form.cleaned_data)
            except DomainError as error:
                _apply_error(form, error)
            else:
                messages.success(request, _("The category is saved."))
                return redirect("appeals:category-list")
    categories = Category.objects.select_related("parent").order_by("code")
    page = paginate(categories, order="code", cursor=request.GET.get("cursor"), page_size=200)
    rows = [
        {
            "cells": [
                c.code,
                c.name,
                c.name_en,
                c.parent.code if c.parent_id else _("Group"),
                c.get_default_type_display(),
                _("Active") if c.is_active else _("Inactive"),
            ],
            "edit_url": reverse("appeals:category-edit", args=[c.code]) if may_edit else "",
        }
        for c in page
    ]
    return _list_page(
        request,
        "categories",
        {
            "title": _("Request categories"),
            "intro": _(
                "Groups hold categories; a request is filed under a category. A code never "
                "changes (Open311 clients send it): retire a category by making it inactive."
            ),
            "headings": [
                _("Code"),
                _("Name"),
                _("English name"),
                _("Group"),
                _("Default type"),
                _("Status"),
            ],
            "rows": rows,
            "page": page,
            "empty": _("No categories."),
            "form_title": _("New category"),
            "submit_label": _("Add"),
        },
        form,
    )


@role_required(Role.ADMIN)
def category_edit(request, code: str):
    if not access.may_edit_catalogue(request.user):
        raise Http404
    category = Category.objects.filter(code=code).first()
    if category is None:
        raise Http404
    form = CategoryForm(request.POST or None, instance=category)
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "code"}
        try:
            actions.update_category(category, actor=request.user, **data)
        except DomainError as error:
            _apply_error(form, error)
        else:
            messages.success(request, _("The category is saved."))
            return redirect("appeals:category-list")
    return _edit_page(
        request,
        form,
        f"{category.code} {category.name}",
        "appeals:category-list",
        _("Request categories"),
        history=("appeals.category", category.pk),
    )


# --- Time limits -----------------------------------------------------------------------------


def limit_key(limit: TimeLimit) -> str:
    """A time limit's public name: its type, and the category code when it has one."""
    return f"{limit.appeal_type}.{limit.category.code}" if limit.category_id else limit.appeal_type


def limit_by_key(key: str) -> TimeLimit | None:
    appeal_type, _dot, code = key.partition(".")
    limits = TimeLimit.objects.select_related("category").filter(appeal_type=appeal_type)
    if code:
        return limits.filter(category__code=code).first()
    return limits.filter(category__isnull=True).first()


@role_required(*VIEW_ROLES)
def timelimit_list(request):
    may_edit = access.may_edit_catalogue(request.user)
    form = TimeLimitForm(request.POST or None) if may_edit else None
    if request.method == "POST":
        if not may_edit:
            raise Http404
        if form.is_valid():
            try:
                actions.create_time_limit(actor=request.user, **form.cleaned_data)
            except DomainError as error:
                _apply_error(form, error)
            else:
                messages.success(request, _("The time limit is saved."))
                return redirect("appeals:timelimit-list")
    limits = TimeLimit.objects.select_related("category").order_by("appeal_type", "category__code")
    rows = [
        {
            "cells": [
                limit.get_appeal_type_display(),
                limit.category.display_name if limit.category_id else _("All categories"),
                limit.answer_days,
                limit.get_day_kind_display(),
                limit.accept_days,
                limit.visit_days,
                f"{limit.reminder_percent}%",
            ],
            "edit_url": reverse("appeals:timelimit-edit", args=[limit_key(limit)])
            if may_edit
            else "",
        }
        for limit in limits
    ]
    return _list_page(
        request,
        "limits",
        {
            "title": _("Time limits"),
            "intro": _(
                "Days to answer per type, optionally for one category (that row wins). A "
                "change applies to requests received from then on."
            ),
            "headings": [
                _("Type"),
                _("Category"),
                _("Days to answer"),
                _("Day kind"),
                _("Days to accept"),
                _("Days to the return visit"),
                _("Reminder"),
            ],
            "rows": rows,
            "empty": _("No time limits: the platform's defaults apply."),
            "form_title": _("New time limit"),
            "submit_label": _("Add"),
        },
        form,
    )


@role_required(Role.ADMIN)
def timelimit_edit(request, key: str):
    limit = limit_by_key(key)
    if limit is None or not access.may_edit_catalogue(request.user):
        raise Http404
    form = TimeLimitForm(request.POST or None, instance=limit)
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k not in ("appeal_type", "category")}
        try:
            actions.update_time_limit(limit, actor=request.user, **data)
        except DomainError as error:
            _apply_error(form, error)
        else:
            messages.success(request, _("The time limit is saved."))
            return redirect("appeals:timelimit-list")
    return _edit_page(
        request,
        form,
        str(limit),
        "appeals:timelimit-list",
        _("Time limits"),
        delete_url=reverse("appeals:timelimit-delete", args=[key]),
        history=("appeals.timelimit", limit.pk),
    )


@role_required(Role.ADMIN)
@require_POST
def timelimit_delete(request, key: str):
    limit = limit_by_key(key)
    if limit is None or not access.may_edit_catalogue(request.user):
        raise Http404
    actions.delete_time_limit(limit, actor=request.user)
    messages.success(request, _("The time limit is deleted."))
    return redirect("appeals:timelimit-list")


# --- Routing rules ---------------------------------------------------------------------------


def rules_for(user):
    """The routing rules of the areas in the user's subtree."""
    areas = Organisation.objects.for_user(user)
    return RoutingRule.objects.filter(area__in=areas).select_related("category", "area", "unit")


def _rule(request, category: str, area: str) -> RoutingRule:
    rule = rules_for(request.user).filter(category__code=category, area__code=area).first()
    if rule is None:
        raise Http404
    return rule


@role_required(*VIEW_ROLES)
def routing_list(request):
    form = RoutingRuleForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            actions.create_routing_rule(actor=request.user, **form.cleaned_data)
        except DomainError as error:
            _apply_error(form, error)
        else:
            messages.success(request, _("The routing rule is saved."))
            return redirect("appeals:routing-list")
    rules = rules_for(request.user).order_by("area__path", "category__code")
    page = paginate(rules, order="pk", cursor=request.GET.get("cursor"), page_size=200)
    rows = [
        {
            "cells": [rule.area.name, rule.category.display_name, rule.unit.name],
            "edit_url": reverse("appeals:routing-edit", args=[rule.category.code, rule.area.code]),
        }
        for rule in page
    ]
    return _list_page(
        request,
        "routing",
        {
            "title": _("Routing rules"),
            "intro": _(
                "Which unit a category's requests go to when filed in an area (or below it). "
                "The nearest area's rule wins; without one, the category's default unit kind "
                "decides."
            ),
            "headings": [_("Area"), _("Category"), _("Handling unit")],
            "rows": rows,
            "page": page,
            "empty": _("No routing rules yet."),
            "form_title": _("New routing rule"),
            "submit_label": _("Add"),
        },
        form,
    )


@role_required(*VIEW_ROLES)
def routing_edit(request, category: str, area: str):
    rule = _rule(request, category, area)
    form = RoutingRuleForm(
        request.POST or None, user=request.user, rule=rule, initial={"unit": rule.unit}
    )
    if request.method == "POST" and form.is_valid():
        try:
            actions.update_routing_rule(rule, actor=request.user, unit=form.cleaned_data["unit"])
        except DomainError as error:
            _apply_error(form, error)
        else:
            messages.success(request, _("The routing rule is saved."))
            return redirect("appeals:routing-list")
    return _edit_page(
        request,
        form,
        f"{rule.area.name} · {rule.category.display_name}",
        "appeals:routing-list",
        _("Routing rules"),
        delete_url=reverse("appeals:routing-delete", args=[category, area]),
        history=("appeals.routingrule", rule.pk),
    )


@role_required(*VIEW_ROLES)
@require_POST
def routing_delete(request, category: str, area: str):
    rule = _rule(request, category, area)
    actions.delete_routing_rule(rule, actor=request.user)
    messages.success(request, _("The routing rule is deleted."))
    return redirect("appeals:routing-list")


# --- Open311 keys ----------------------------------------------------------------------------


def keys_for(user):
    return Open311Key.objects.filter(
        organisation__in=Organisation.objects.for_user(user)
    ).select_related("organisation")


@role_required(Role.ADMIN)
def open311key_list(request):
    form = Open311KeyForm(request.POST or None, user=request.user)
    secret = None
    if request.method == "POST" and form.is_valid():
        try:
            _key, secret = actions.issue_open311_key(
                form.cleaned_data["name"], form.cleaned_data["organisation"], actor=request.user
            )
        except DomainError as error:
            _apply_error(form, error)
        else:
            form = Open311KeyForm(user=request.user)
    keys = keys_for(request.user).order_by("-created_at")
    rows = [
        {
            "cells": [
                key.name,
                f"o311_{key.prefix}",
                key.organisation.name,
                key.created_at.strftime("%Y-%m-%d"),
                _("Revoked") if key.revoked_at else _("Active"),
            ],
            "post_url": ""
            if key.revoked_at
            else reverse("appeals:open311key-revoke", args=[key.prefix]),
            "post_label": _("Revoke"),
            "post_confirm": _("Revoke this key? The client system can no longer file requests."),
        }
        for key in keys
    ]
    response = _list_page(
        request,
        "open311",
        {
            "title": _("Open311 keys"),
            "intro": _(
                "An api_key lets a client system (a 12345 hotline, a city platform) file "
                "requests through Open311 under an organisation. Only a hash is kept."
            ),
            "secret": secret,
            "headings": [
                _("Client system"),
                _("Starts with"),
                _("Organisation"),
                _("Created"),
                _("Status"),
            ],
            "rows": rows,
            "empty": _("No keys yet."),
            "form_title": _("Issue a key"),
            "submit_label": _("Issue"),
        },
        form,
    )
    response["Cache-Control"] = "no-store"  # the page may carry a secret
    return response


@role_required(Role.ADMIN)
@require_POST
def open311key_revoke(request, prefix: str):
    key = keys_for(request.user).filter(prefix=prefix).first()
    if key is None:
        raise Http404
    if actions.revoke_open311_key(prefix, actor=request.user):
        messages.success(request, _("The key is revoked."))
    return redirect("appeals:open311key-list")
