"""Every state change of organisations, users and tokens, each writing its audit row."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import validate_slug
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from driverhome.core import validation
from driverhome.core.errors import (
    Conflict,
    DomainError,
    PermissionDeniedError,
    conflict_on_duplicate,
)

from . import audit
from .access import may_edit_organisation, may_edit_users
from .models import STAFF_ROLES, ApiToken, Organisation, Role, User, WeChatBinding

ORG_FIELDS = [
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


#: what an account's audit rows follow (the password only as "changed")
USER_FIELDS = ["username", "full_name", "role", "organisation", "is_active", "is_staff"]


def forbidden() -> PermissionDeniedError:
    return PermissionDeniedError(_("Your role may not do this."), code="forbidden")


def checked_fields(model: type[models.Model], fields: dict) -> dict:
    """``fields`` cleaned by each model field's rule (``core/validation.py``); the first value
    refused is a 400 naming its field. The last guard behind forms and API bodies."""
    cleaned = {}
    for name, value in fields.items():
        if isinstance(value, str):
            try:
                value = validation.check(model, name, value)
            except validation.FieldInvalid as exc:
                raise DomainError(exc.message, code=exc.code, field=name) from None
        cleaned[name] = value
    return cleaned


def check_code(code) -> None:
    try:
        validate_slug(code or "")
    except Exception:  # noqa: BLE001 - ValidationError: say which field
        raise DomainError(
            _("Use only letters, digits, hyphens and underscores."), code="bad_code", field="code"
        ) from None


def _check_organisation(org: Organisation, *, actor) -> None:
    """A parent in the actor's subtree that is not the organisation itself or below it."""
    parent = org.parent
    if actor is not None and not may_edit_organisation(actor, parent):
        raise forbidden()
    if parent is not None and org.pk is not None and org.path and parent.path.startswith(org.path):
        raise DomainError(
            _("An organisation cannot sit below itself."), code="cycle", field="parent"
        )


@transaction.atomic
def create_organisation(*, actor, **fields) -> Organisation:
    """A new organisation under ``parent`` (in the actor's subtree), audited."""
    fields = checked_fields(Organisation, fields)
    check_code(fields.get("code"))
    org = Organisation(**fields)
    _check_organisation(org, actor=actor)
    with conflict_on_duplicate(_("An organisation with this code exists."), code="duplicate"):
        org.save()
    audit.record(
        actor,
        "organisation.create",
        org,
        changes=audit.diff({}, audit.snapshot(org, ORG_FIELDS)),
        organisation=org,
    )
    return org


@transaction.atomic
def update_organisation(org: Organisation, *, actor, **fields) -> Organisation:
    """Change an organisation of the actor's subtree (moved only within it), audited."""
    if actor is not None and not may_edit_organisation(actor, org):
        raise forbidden()
    fields = checked_fields(Organisation, fields)
    if "code" in fields:
        check_code(fields["code"])
    org = Organisation.objects.select_for_update().get(pk=org.pk)
    before = audit.snapshot(org, ORG_FIELDS)
    for key, value in fields.items():
        setattr(org, key, value)
    if "parent" in fields and before["parent"] != org.parent_id:
        _check_organisation(org, actor=actor)
    with conflict_on_duplicate(_("An organisation with this code exists."), code="duplicate"):
        org.save()
    changes = audit.diff(before, audit.snapshot(org, ORG_FIELDS))
    if changes:
        audit.record(actor, "organisation.update", org, changes=changes, organisation=org)
    return org


def _check_account(*, actor, role: str, organisation) -> None:
    if role not in Role.values:
        raise DomainError(_("Unknown role."), code="invalid_choice", field="role")
    if role not in (Role.DRIVER, Role.ADMIN) and organisation is None:
        raise DomainError(
            _("Staff belong to an organisation: choose one."),
            code="organisation_required",
            field="organisation",
        )
    if actor is None:
        return
    # Accounts given in the console are staff accounts; drivers register themselves.
    if role not in STAFF_ROLES:
        raise DomainError(
            _("Drivers register themselves: give a staff role."),
            code="invalid_choice",
            field="role",
        )
    if not may_edit_users(actor, organisation):
        raise forbidden()


@transaction.atomic
def create_user(
    *, actor, username: str, password: str | None, role: str, organisation=None, **fields
) -> User:
    """A new account with its role in an organisation of the actor's subtree, audited."""
    checked = checked_fields(User, {"username": username, **fields})
    username = checked.pop("username")
    if not username:
        raise DomainError(_("This field is required."), code="required", field="username")
    try:
        User.username_validator(username)
    except Exception:  # noqa: BLE001 - ValidationError: say which field
        raise DomainError(
            _("Use only letters, digits and @ . + - _ in a username."),
            code="bad_username",
            field="username",
        ) from None
    _check_account(actor=actor, role=role, organisation=organisation)
    user = User(username=username, role=role, organisation=organisation, **checked)
    user.is_staff = role == Role.ADMIN
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    if User.objects.filter(username__iexact=username).exists():
        raise _username_taken()
    with conflict_on_duplicate(_("This username is taken."), code="duplicate"):
        user.save()
    changes = audit.diff({}, audit.snapshot(user, USER_FIELDS))
    if password:
        changes["password"] = ["***", "***"]
    audit.record(actor, "user.create", user, changes=changes, organisation=organisation)
    return user


def _username_taken():
    return Conflict(_("This username is taken."), code="duplicate")


@transaction.atomic
def update_user(user: User, *, actor, password: str | None = None, **fields) -> User:
    """Change an account's name, role, organisation or state (and password), audited.

    The actor must administer both the account's organisation and the one it moves to;
    nobody changes his own role, organisation or state (an administrator cannot lock
    himself out)."""
    user = User.objects.select_for_update().get(pk=user.pk)
    fields = checked_fields(User, fields)
    if actor is not None:
        if not may_edit_users(actor, user.organisation) or user.role not in STAFF_ROLES:
            raise forbidden()
        if getattr(actor, "pk", None) == user.pk and (
            {"role", "organisation", "is_active"} & set(fields)
        ):
            if any(getattr(user, key) != value for key, value in fields.items()):
                raise PermissionDeniedError(
                    _("You cannot change your own role, organisation or state."),
                    code="own_account",
                )
    before = audit.snapshot(user, USER_FIELDS)
    for key, value in fields.items():
        setattr(user, key, value)
    _check_account(actor=actor, role=user.role, organisation=user.organisation)
    user.is_staff = user.role == Role.ADMIN
    if password:
        user.set_password(password)
    user.save()
    changes = audit.diff(before, audit.snapshot(user, USER_FIELDS))
    if password:
        changes["password"] = ["***", "***"]
    if changes:
        organisation = user.organisation_id or before["organisation"]
        audit.record(actor, "user.update", user, changes=changes, organisation=organisation)
        from .auth import forget_tokens

        transaction.on_commit(forget_tokens, robust=True)
    return user


@transaction.atomic
def issue_token(
    user: User, *, actor, name: str, scope: str = "", expires_at=None
) -> tuple[ApiToken, str]:
    token, key = ApiToken.issue(user, name, scope=scope, expires_at=expires_at)
    audit.record(
        actor,
        "token.issue",
        token,
        changes={"scope": [None, scope]},
        organisation=user.organisation_id,
    )
    return token, key


@transaction.atomic
def revoke_token(token: ApiToken, *, actor) -> ApiToken:
    updated = ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    token.refresh_from_db()
    if updated:
        from .auth import forget_tokens

        transaction.on_commit(forget_tokens, robust=True)
        forget_tokens()
        audit.record(actor, "token.revoke", token, organisation=token.user.organisation_id)
    return token


# --- WeChat binding and single sign-on ----------------------------------------------------


@transaction.atomic
def bind_wechat(user: User, openid: str, *, actor) -> WeChatBinding:
    """Bind ``openid`` (the service account's) to a driver's login, after his SMS code.

    A binding the login had is replaced; an openid bound to another login moves to this
    one (the person who holds the WeChat account proved this number). Audited.
    """
    from . import wechat
    from .models import Role

    if user.role != Role.DRIVER or not user.is_active:
        raise DomainError(_("Only a driver's login can be bound to WeChat."), code="not_driver")
    digest = wechat.openid_hash(openid)
    moved = list(
        WeChatBinding.objects.select_for_update()
        .filter(openid_hash=digest)
        .exclude(user=user)
        .values_list("user_id", flat=True)
    )
    WeChatBinding.objects.filter(Q(user=user) | Q(openid_hash=digest)).delete()
    with conflict_on_duplicate(_("This WeChat account was bound at the same moment.")):
        binding = WeChatBinding.objects.create(
            user=user,
            app_id=settings.WECHAT["app_id"],
            openid=openid,
            openid_hash=digest,
        )
    audit.record(
        actor,
        "user.wechat_bound",
        user,
        organisation=user.organisation_id,
        changes={"moved_from": [f"user-{pk}" for pk in moved]} if moved else None,
    )
    return binding


@transaction.atomic
def unbind_wechat(user: User, *, actor) -> bool:
    """Remove the login's WeChat binding; False when there was none. Audited."""
    deleted, _rows = WeChatBinding.objects.filter(user=user).delete()
    if deleted:
        audit.record(actor, "user.wechat_unbound", user, organisation=user.organisation_id)
    return bool(deleted)


def subject_hash(issuer: str, subject: str) -> str:
    from driverhome.core import pii

    return pii.lookup_hash(f"{issuer}\n{subject}", kind="oidc-subject")


def staff_for_identity(claims: dict) -> User:
    """The staff account a verified ID token names, or DomainError (code ``sso_no_account``).

    The subject already linked wins. Otherwise the configured claim
    (``DRIVERHOME_OIDC_USERNAME_CLAIM``) must equal the username of an active staff account
    not yet linked to another subject: the link is made (audited). No account, role or
    organisation is ever created or changed from the claims.
    """
    from .models import STAFF_ROLES, StaffIdentity

    issuer, subject = str(claims.get("iss") or ""), str(claims.get("sub") or "")
    if not subject:
        raise DomainError(_("The identity platform sent no subject."), code="sso_no_subject")
    digest = subject_hash(issuer, subject)
    now = timezone.now()
    identity = StaffIdentity.objects.select_related("user").filter(subject_hash=digest).first()
    if identity is not None:
        user = identity.user
        if not (user.is_active and user.role in STAFF_ROLES):
            raise DomainError(
                _("The staff account linked to this identity is not active."),
                code="sso_inactive",
            )
        StaffIdentity.objects.filter(pk=identity.pk).update(last_login_at=now)
        audit.record(user, "user.login_sso", user, organisation=user.organisation_id)
        return user
    name = str(claims.get(settings.OIDC["username_claim"]) or "").strip()
    user = (
        User.objects.filter(username__iexact=name, is_active=True, role__in=STAFF_ROLES).first()
        if name
        else None
    )
    if user is None or StaffIdentity.objects.filter(user=user).exists():
        audit.record(None, "user.login_sso_refused", None, changes={"subject": digest[:12]})
        raise DomainError(
            _(
                "No staff account of the platform is linked to this identity. "
                "Ask an administrator of the platform to create or link your account."
            ),
            code="sso_no_account",
        )
    with transaction.atomic():
        with conflict_on_duplicate(_("This identity was linked at the same moment.")):
            StaffIdentity.objects.create(user=user, subject_hash=digest, last_login_at=now)
        audit.record(
            user,
            "user.sso_linked",
            user,
            organisation=user.organisation_id,
            changes={"claim": settings.OIDC["username_claim"]},
        )
        audit.record(user, "user.login_sso", user, organisation=user.organisation_id)
    return user


@transaction.atomic
def set_first_password(user: User, *, password: str) -> User:
    """A new account sets its password with the link its import gave it (audited as itself)."""
    user = User.objects.select_for_update().get(pk=user.pk)
    user.set_password(password)
    user.save(update_fields=["password"])
    audit.record(user, "user.password_set", user, organisation=user.organisation_id)
    return user
