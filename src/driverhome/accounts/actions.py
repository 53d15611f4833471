"""Every state change of organisations, users and tokens, each writing its audit row."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from driverhome.core.errors import DomainError, conflict_on_duplicate

from . import audit
from .models import ApiToken, Organisation, User, WeChatBinding

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


@transaction.atomic
def create_organisation(*, actor, **fields) -> Organisation:
    with conflict_on_duplicate(_("An organisation with this code exists."), code="duplicate"):
        org = Organisation.objects.create(**fields)
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
    before = audit.snapshot(org, ORG_FIELDS)
    for key, value in fields.items():
        setattr(org, key, value)
    org.full_clean()
    org.save()
    changes = audit.diff(before, audit.snapshot(org, ORG_FIELDS))
    if changes:
        audit.record(actor, "organisation.update", org, changes=changes, organisation=org)
    return org


@transaction.atomic
def create_user(
    *, actor, username: str, password: str | None, role: str, organisation=None, **fields
) -> User:
    user = User(username=username, role=role, organisation=organisation, **fields)
    user.is_staff = role == "admin"
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    with conflict_on_duplicate(_("This username is taken."), code="duplicate"):
        user.save()
    audit.record(
        actor,
        "user.create",
        user,
        changes={
            "role": [None, role],
            "organisation": [None, organisation.pk if organisation else None],
        },
        organisation=organisation,
    )
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
