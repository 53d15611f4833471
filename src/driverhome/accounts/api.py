"""API: who am I, my tokens, organisations in my scope, the audit log."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from django.contrib.auth import login
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status

from driverhome.core.errors import DomainError
from driverhome.core.pagination import paginate
from driverhome.core.validation import Rule, WriteSchema

from . import access, actions, codes
from .access import require_roles, require_staff
from .models import ApiToken, AuditLog, Organisation, Role, User
from .scoping import get_for_user

router = Router()


class OrganisationOut(Schema):
    code: str
    name: str
    short_name: str
    kind: str
    unit_kind: str
    parent: str | None
    depth: int


class MeOut(Schema):
    username: str
    full_name: str
    role: str
    organisation: OrganisationOut | None


class TokenIn(WriteSchema):
    rules_model = ApiToken

    name: str


class TokenOut(Schema):
    prefix: str
    name: str
    scope: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class NewTokenOut(TokenOut):
    token: str


class AuditOut(Schema):
    at: datetime
    actor: str
    action: str
    object_type: str
    object_id: str
    object_repr: str
    changes: dict
    note: str
    ip: str | None


class OrganisationPage(Schema):
    items: list[OrganisationOut]
    next_cursor: str | None


class AuditPage(Schema):
    items: list[AuditOut]
    next_cursor: str | None


def _org_out(org: Organisation) -> dict:
    return {
        "code": org.code,
        "name": org.name,
        "short_name": org.short_name,
        "kind": org.kind,
        "unit_kind": org.unit_kind,
        "parent": org.parent.code if org.parent_id else None,
        "depth": org.depth,
    }


@router.get("/me", response=MeOut, summary="The calling user")
def me(request):
    user = request.user
    return {
        "username": user.username,
        "full_name": user.full_name,
        "role": user.role,
        "organisation": _org_out(user.organisation) if user.organisation_id else None,
    }


class WeChatBindingOut(Schema):
    #: whether the platform has a WeChat service account at all
    available: bool
    bound: bool
    bound_at: datetime | None


def _wechat_binding(user) -> dict:
    from . import wechat
    from .models import WeChatBinding

    binding = WeChatBinding.objects.filter(user=user).only("bound_at", "user_id").first()
    return {
        "available": wechat.configured(),
        "bound": binding is not None,
        "bound_at": binding.bound_at if binding else None,
    }


@router.get("/me/wechat", response=WeChatBindingOut, summary="My WeChat binding (drivers)")
def my_wechat(request):
    """Binding needs the WeChat app (the service account's menu, ``/accounts/wechat/``);
    here a driver sees it and removes it."""
    require_roles(request, Role.DRIVER)
    return _wechat_binding(request.user)


@router.delete("/me/wechat", response=WeChatBindingOut, summary="Unbind my WeChat (drivers)")
def unbind_my_wechat(request):
    require_roles(request, Role.DRIVER)
    actions.unbind_wechat(request.user, actor=request.user)
    return _wechat_binding(request.user)


@router.get("/tokens", response=list[TokenOut], summary="My API tokens")
def list_tokens(request):
    return list(ApiToken.objects.filter(user=request.user).order_by("-created_at"))


@router.post("/tokens", response={201: NewTokenOut}, summary="Create an API token (shown once)")
def create_token(request, payload: TokenIn):
    require_staff(request)
    token, key = actions.issue_token(request.user, actor=request.user, name=payload.name)
    return Status(
        201, {**TokenOut.model_validate(token, from_attributes=True).model_dump(), "token": key}
    )


@router.delete("/tokens/{prefix}", response={204: None}, summary="Revoke one of my API tokens")
def revoke_token(request, prefix: str):
    token = get_object_or_404(ApiToken, user=request.user, prefix=prefix)
    actions.revoke_token(token, actor=request.user)
    return Status(204, None)


@router.get("/organisations", response=OrganisationPage, summary="Organisations in my scope")
def list_organisations(request, kind: str = "", cursor: str | None = None):
    require_staff(request)
    orgs = (
        Organisation.objects.for_user(request.user).select_related("parent").filter(is_active=True)
    )
    if kind:
        orgs = orgs.filter(kind=kind)
    page = paginate(orgs, order="path", cursor=cursor, page_size=200)
    return {"items": [_org_out(o) for o in page], "next_cursor": page.next_cursor}


class InvitationOut(Schema):
    username: str
    set_password_url: str


class OrgImportOut(Schema):
    dry_run: bool
    organisations_created: int
    organisations_updated: int
    staff_created: int
    invitations: list[InvitationOut]


@router.post(
    "/organisations/import",
    response=OrgImportOut,
    summary="Import the organisation tree and first staff accounts (administrators)",
)
def import_organisations(request, dry_run: bool = False):
    """A multipart form with ``file`` (.xlsx or CSV; see docs/operations.md). All or nothing:
    with any bad row nothing is written and the answer is 400 ``rejected_rows`` with ``errors``
    listing each row's sheet, number, column and reason. Each new
    staff account comes with a one-time link to set its password."""
    from django.conf import settings

    from driverhome.core.sheets import ImportFileError

    from . import orgimport

    require_roles(request, Role.ADMIN)
    upload = request.FILES.get("file")
    if upload is None:
        raise DomainError(_("Send the workbook as the form field “file”."), field="file")
    try:
        result = orgimport.run_import(
            upload.read(settings.IMPORT_MAX_BYTES + 1),
            filename=upload.name or "",
            actor=request.user,
            dry_run=dry_run,
        )
    except ImportFileError as exc:
        raise DomainError(str(exc), code="bad_file", field="file") from None
    errors = [
        {"sheet": s, "row": r, "outcome": o, "column": c, "reason": str(reason)}
        for s, r, o, c, reason in result.errors
    ]
    if errors:
        raise DomainError(
            _("%(count)s rows have errors; nothing was imported.") % {"count": len(errors)},
            code="rejected_rows",
            errors=errors,
        )
    return {
        "dry_run": result.dry_run,
        "organisations_created": result.organisations_created,
        "organisations_updated": result.organisations_updated,
        "staff_created": result.staff_created,
        "invitations": [
            {"username": name, "set_password_url": request.build_absolute_uri(path)}
            for name, path in result.invitations
        ],
    }


@router.get("/organisations/{code}", response=OrganisationOut, summary="One organisation")
def get_organisation(request, code: str):
    require_staff(request)
    org = get_for_user(Organisation.objects.select_related("parent"), request.user, code=code)
    return _org_out(org)


@router.get("/audit", response=AuditPage, summary="The audit log (supervisors and administrators)")
def list_audit(
    request, object_type: str = "", object_id: str = "", action: str = "", cursor: str | None = None
):
    require_roles(request, Role.SUPERVISOR, Role.ADMIN)
    entries = AuditLog.objects.for_user(request.user).select_related("personal_key")
    if object_type:
        entries = entries.filter(object_type=object_type)
    if object_id:
        entries = entries.filter(object_id=object_id)
    if action:
        entries = entries.filter(action__startswith=action)
    page = paginate(entries, order="-at", cursor=cursor)
    items = [
        {
            "at": e.at,
            "actor": e.actor_label,
            "action": e.action,
            "object_type": e.object_type,
            "object_id": e.object_id,
            "object_repr": e.shown_repr,
            "changes": e.shown_changes,
            "note": e.shown_note,
            "ip": e.ip,
        }
        for e in page
    ]
    return {"items": items, "next_cursor": page.next_cursor}


# --- One-time SMS codes: registration, log in by code, a new password --------------------------


class CodeIn(WriteSchema):
    rules_map = {"phone": Rule(max_length=20, required=True)}

    phone: str
    purpose: Literal["register", "login", "reset"]


class CodeSentOut(Schema):
    sent_to: str
    expires_in: int
    resend_after: int


class LoginCodeIn(WriteSchema):
    rules_map = {
        "phone": Rule(max_length=20, required=True),
        "code": Rule(max_length=6, required=True),
        "password": Rule(max_length=128, required=True),
    }

    phone: str
    code: str


class PasswordResetIn(LoginCodeIn):
    password: str


class DoneOut(Schema):
    detail: str


def _json_only(request) -> None:
    # A cross-site form cannot send JSON without the browser asking first (CORS), so a
    # page elsewhere cannot log a visitor in to someone else's account with these.
    if request.content_type != "application/json":
        raise DomainError(_("Send the body as JSON."), code="json_required")


@router.post(
    "/auth/codes",
    auth=None,
    response={202: CodeSentOut},
    summary="Text a one-time code to a mobile number (registration, log in, new password)",
    description=(
        "6 digits, valid 5 minutes, 5 tries. One code a minute per number, 5 an hour, 10 a "
        "day; per client address 20 an hour (429 with Retry-After). To log in or reset, a "
        "number without a driver's login gets the same answer and no message."
    ),
)
def send_code(request, payload: CodeIn):
    _json_only(request)
    sent_to = codes.request_code(
        payload.phone, payload.purpose, request=request, language=request.LANGUAGE_CODE
    )
    return Status(
        202,
        {
            "sent_to": sent_to,
            "expires_in": int(codes.CODE_TTL.total_seconds()),
            "resend_after": int(codes.RESEND_AFTER.total_seconds()),
        },
    )


@router.post(
    "/auth/login-with-code",
    auth=None,
    response=MeOut,
    summary="Log a driver in with the code texted to his number (a session cookie)",
)
def login_with_code(request, payload: LoginCodeIn):
    _json_only(request)
    user = codes.login_with_code(payload.phone, payload.code, request=request)
    login(request, user, backend="driverhome.accounts.backends.UsernameOrPhoneBackend")
    return me(request)


@router.post(
    "/auth/password-reset",
    auth=None,
    response=DoneOut,
    summary="Set a new password with the code texted to the driver's number",
)
def password_reset(request, payload: PasswordResetIn):
    _json_only(request)
    codes.reset_password(payload.phone, payload.code, payload.password, request=request)
    return {"detail": _("Your new password is set.")}


# --- Organisations and accounts: edited by supervisors / administrators of the subtree ----------


class OrganisationIn(WriteSchema):
    rules_model = Organisation
    rules_map = {"parent": "code"}

    code: str
    name: str
    kind: str
    parent: str | None = None
    short_name: str = ""
    unit_kind: str = ""
    region_code: str = ""
    leader_name: str = ""
    phone: str = ""
    is_active: bool = True


class OrganisationPatch(WriteSchema):
    rules_model = Organisation
    rules_map = {"parent": "code"}

    name: str | None = None
    kind: str | None = None
    parent: str | None = None
    short_name: str | None = None
    unit_kind: str | None = None
    region_code: str | None = None
    leader_name: str | None = None
    phone: str | None = None
    is_active: bool | None = None


class UserIn(WriteSchema):
    rules_model = User
    rules_map = {
        "organisation": ("accounts.Organisation", "code"),
        "password": Rule(max_length=128),
    }

    username: str
    role: str
    organisation: str | None = None
    full_name: str = ""
    password: str | None = None
    is_active: bool = True


class UserPatch(WriteSchema):
    rules_model = User
    rules_map = {
        "organisation": ("accounts.Organisation", "code"),
        "password": Rule(max_length=128),
    }

    role: str | None = None
    organisation: str | None = None
    full_name: str | None = None
    password: str | None = None
    is_active: bool | None = None


class UserOut(Schema):
    username: str
    full_name: str
    role: str
    organisation: str | None
    is_active: bool


class UserPage(Schema):
    items: list[UserOut]
    next_cursor: str | None


def _org_in_scope(request, code: str | None, field: str):
    if code is None:
        return None
    org = Organisation.objects.for_user(request.user).filter(code=code).first()
    if org is None:
        raise DomainError(
            _("No organisation with this code in your scope."), code="unknown", field=field
        )
    return org


def _org_payload(request, payload) -> dict:
    data = payload.dict(exclude_unset=True)
    if "parent" in data:
        data["parent"] = _org_in_scope(request, data["parent"], "parent")
    return {key: value for key, value in data.items() if value is not None or key == "parent"}


@router.post(
    "/organisations",
    response={201: OrganisationOut},
    summary="Create an organisation under one of my subtree (supervisors, administrators; audited)",
)
def create_organisation(request, payload: OrganisationIn):
    require_roles(request, *access.ORGANISATION_EDITORS)
    org = actions.create_organisation(actor=request.user, **_org_payload(request, payload))
    return Status(201, _org_out(org))


@router.patch(
    "/organisations/{code}",
    response=OrganisationOut,
    summary="Change an organisation of my subtree (audited; the code stays)",
)
def update_organisation(request, code: str, payload: OrganisationPatch):
    require_roles(request, *access.ORGANISATION_EDITORS)
    org = get_for_user(Organisation.objects.select_related("parent"), request.user, code=code)
    org = actions.update_organisation(org, actor=request.user, **_org_payload(request, payload))
    return _org_out(org)


def _user_out(user: User) -> dict:
    return {
        "username": user.username,
        "full_name": user.full_name,
        "role": user.role,
        "organisation": user.organisation.code if user.organisation_id else None,
        "is_active": user.is_active,
    }


def _user_payload(request, payload) -> dict:
    data = payload.dict(exclude_unset=True)
    if "organisation" in data:
        data["organisation"] = _org_in_scope(request, data["organisation"], "organisation")
    return {k: v for k, v in data.items() if v is not None or k == "organisation"}


@router.get("/users", response=UserPage, summary="Staff accounts of my subtree (administrators)")
def list_users(request, cursor: str | None = None):
    require_roles(request, *access.USER_EDITORS)
    page = paginate(access.staff_accounts(request.user), order="username", cursor=cursor)
    return {"items": [_user_out(u) for u in page], "next_cursor": page.next_cursor}


@router.post(
    "/users",
    response={201: UserOut},
    summary="Create a staff account with its role (administrators of the subtree; audited)",
)
def create_user(request, payload: UserIn):
    require_roles(request, *access.USER_EDITORS)
    data = _user_payload(request, payload)
    user = actions.create_user(
        actor=request.user,
        username=data.pop("username"),
        password=data.pop("password", None),
        role=data.pop("role"),
        **data,
    )
    return Status(201, _user_out(user))


@router.patch(
    "/users/{username}",
    response=UserOut,
    summary="Change a staff account's role, organisation, name, state or password (audited)",
)
def update_user(request, username: str, payload: UserPatch):
    require_roles(request, *access.USER_EDITORS)
    user = access.staff_accounts(request.user).filter(username=username).first()
    if user is None:
        raise Http404
    data = _user_payload(request, payload)
    user = actions.update_user(
        user, actor=request.user, password=data.pop("password", None), **data
    )
    return _user_out(user)
