"""Every state change of organisations, users and tokens, each writing its audit row."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from driverhome.core.errors import conflict_on_duplicate

from . import audit
from .models import ApiToken, Organisation, User

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


@transaction.atomic
def set_first_password(user: User, *, password: str) -> User:
    """A new account sets its password with the link its import gave it (audited as itself)."""
    user = User.objects.select_for_update().get(pk=user.pk)
    user.set_password(password)
    user.save(update_fields=["password"])
    audit.record(user, "user.password_set", user, organisation=user.organisation_id)
    return user
