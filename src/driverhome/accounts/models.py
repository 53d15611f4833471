"""Organisations, users and their roles, API tokens, and the two append-only logs.

Organisations form a tree (province > city > district > sub-district/community)
with the bodies that work in it hanging below (site operators, the industry
party committee, handling units, logistics companies). ``path`` materialises the
ancestry, so "everything in my subtree" is one indexed prefix match.
"""

from __future__ import annotations

import hashlib
import secrets

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from driverhome.core import pii


class OrganisationQuerySet(models.QuerySet):
    def for_user(self, user):
        """The organisations in the user's subtree (everything for a platform administrator)."""
        if user is None or not user.is_authenticated or not user.is_active:
            return self.none()
        path = user.scope_path
        if path is None or (user.role == "driver" and not user.is_superuser):
            return self.none()
        return self if path == "/" else self.filter(path__startswith=path)


class Organisation(models.Model):
    class Kind(models.TextChoices):
        PROVINCE = "province", _("Province")
        CITY = "city", _("City")
        DISTRICT = "district", _("District")
        SUBDISTRICT = "subdistrict", _("Sub-district")
        COMMUNITY = "community", _("Community")
        OPERATOR = "operator", _("Driver's Home operator")
        PARTY_COMMITTEE = "party", _("Industry party committee")
        HANDLING_UNIT = "unit", _("Handling unit")
        LOGISTICS_COMPANY = "company", _("Logistics company")
        SOCIAL_ORGANISATION = "social", _("Social organisation")

    class UnitKind(models.TextChoices):
        LABOUR = "labour", _("Labour bureau")
        TRANSPORT = "transport", _("Transport bureau")
        TRAFFIC_POLICE = "traffic_police", _("Traffic police")
        PUBLIC_SECURITY = "public_security", _("Public security")
        EDUCATION = "education", _("Education office")
        SOCIAL_INSURANCE = "social_insurance", _("Social insurance")
        HEALTH = "health", _("Health")
        HOUSING = "housing", _("Housing")
        CIVIL_AFFAIRS = "civil_affairs", _("Civil affairs")
        JUSTICE = "justice", _("Justice and legal aid")
        UNION = "union", _("Trade union")
        WOMEN = "women", _("Women's federation")
        MARKET = "market", _("Market regulation")
        PORT = "port", _("Port authority")
        SITE = "site", _("Driver's Home site")
        EMPLOYER = "employer", _("Employer")
        OTHER = "other", _("Other")

    code = models.SlugField(_("code"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=200)
    short_name = models.CharField(_("short name"), max_length=60, blank=True)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    unit_kind = models.CharField(
        _("unit kind"), max_length=24, choices=UnitKind.choices, blank=True
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    # "/<pk hex>/<pk hex>/.../": every scoped list filters with path__startswith.
    path = models.CharField(max_length=255, db_index=True, editable=False, default="")
    depth = models.PositiveSmallIntegerField(default=0, editable=False)
    region_code = models.CharField(_("administrative division code"), max_length=12, blank=True)
    leader_name = models.CharField(_("leader"), max_length=60, blank=True)
    phone = models.CharField(_("public phone"), max_length=32, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = OrganisationQuerySet.as_manager()

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["path"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        is_new = self.pk is None
        super().save(*args, **kwargs)
        new_path = f"{self.parent.path if self.parent_id else '/'}{self.pk:x}/"
        if is_new or new_path != self.path:
            old_path = self.path
            self.path = new_path
            self.depth = new_path.count("/") - 2
            Organisation.objects.filter(pk=self.pk).update(path=self.path, depth=self.depth)
            if old_path and not is_new:
                # Moving a subtree: rewrite the descendants' prefixes.
                for child in Organisation.objects.filter(path__startswith=old_path).exclude(
                    pk=self.pk
                ):
                    child.path = new_path + child.path[len(old_path) :]
                    child.depth = child.path.count("/") - 2
                    Organisation.objects.filter(pk=child.pk).update(
                        path=child.path, depth=child.depth
                    )

    def is_within(self, other: Organisation) -> bool:
        return self.path.startswith(other.path)

    def subtree(self):
        return Organisation.objects.filter(path__startswith=self.path)

    def ancestors(self):
        pks = [int(part, 16) for part in self.path.strip("/").split("/") if part]
        return Organisation.objects.filter(pk__in=pks).order_by("depth")


class Role(models.TextChoices):
    DRIVER = "driver", _("Driver")
    BROKER = "broker", _("Care broker")
    SITE_STAFF = "site_staff", _("Site staff")
    UNIT_HANDLER = "unit_handler", _("Unit handler")
    SUPERVISOR = "supervisor", _("Supervisor")
    ADMIN = "admin", _("Administrator")


STAFF_ROLES = frozenset(
    {Role.BROKER, Role.SITE_STAFF, Role.UNIT_HANDLER, Role.SUPERVISOR, Role.ADMIN}
)


class PlatformUserManager(UserManager):
    def get_by_natural_key(self, username):
        return self.get(username__iexact=username)


class User(AbstractUser):
    """A person who logs in. Staff belong to an organisation and see its subtree only."""

    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.DRIVER)
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
    )
    full_name = models.CharField(_("full name"), max_length=60, blank=True)
    phone = pii.EncryptedTextField(_("mobile phone"), blank=True, default="")
    phone_hash = models.CharField(max_length=64, blank=True, default="", editable=False)
    preferred_language = models.CharField(_("language"), max_length=8, blank=True, default="")

    objects = PlatformUserManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            # Login by phone number needs it to identify one user.
            models.UniqueConstraint(
                fields=["phone_hash"],
                condition=~models.Q(phone_hash=""),
                name="user_phone_hash_unique",
            ),
            models.CheckConstraint(
                condition=models.Q(role="driver")
                | models.Q(role="admin")
                | models.Q(organisation__isnull=False),
                name="user_staff_has_organisation",
            ),
        ]

    def __str__(self) -> str:
        return self.full_name or self.username

    def save(self, *args, **kwargs):
        self.phone_hash = pii.lookup_hash(self.phone, kind="phone") if self.phone else ""
        super().save(*args, **kwargs)

    @property
    def display_name(self) -> str:
        return self.full_name or self.username

    @property
    def is_driver(self) -> bool:
        return self.role == Role.DRIVER

    @property
    def is_platform_staff(self) -> bool:
        return self.role in STAFF_ROLES

    @property
    def sees_everything(self) -> bool:
        """Superusers, and administrators without an organisation, see the whole platform."""
        return self.is_superuser or (self.role == Role.ADMIN and self.organisation_id is None)

    @property
    def scope_path(self) -> str | None:
        if self.sees_everything:
            return "/"
        if self.organisation_id is None:
            return None
        return self.organisation.path

    def has_role(self, *roles: str) -> bool:
        return self.is_superuser or self.role in roles


class ApiToken(models.Model):
    """A bearer token for the API. Only a hash of the secret is stored.

    ``scope`` narrows what the token may do: empty means the user's full rights;
    ``availability:<site code>`` lets a parking sensor update one site's free places.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=80)
    prefix = models.CharField(max_length=12, editable=False)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    scope = models.CharField(_("scope"), max_length=120, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @staticmethod
    def hash_key(key: str) -> str:
        return hashlib.sha256(key.encode()).hexdigest()

    @classmethod
    def issue(
        cls, user: User, name: str, *, scope: str = "", expires_at=None
    ) -> tuple[ApiToken, str]:
        prefix = secrets.token_hex(4)
        key = f"dh_{prefix}_{secrets.token_urlsafe(32)}"
        token = cls.objects.create(
            user=user,
            name=name,
            prefix=prefix,
            key_hash=cls.hash_key(key),
            scope=scope,
            expires_at=expires_at,
        )
        return token, key

    @property
    def is_active(self) -> bool:
        if self.revoked_at is not None:
            return False
        return self.expires_at is None or self.expires_at > timezone.now()


class PersonalKey(models.Model):
    """One person's own key (a driver's): the audit log, the access log and notices hold
    that person's values sealed under it (``core.pii.seal``, ``accounts/personal.py``).

    ``key`` is itself encrypted under the field keys. Erasure empties it and sets
    ``erased_at`` (the row stays: the append-only rows keep pointing at it), after which
    nothing sealed under the key can be read by anyone, with or without the field keys.
    """

    #: whose key: ``<app_label.model>:<pk>`` of the holder (one key per person)
    holder = models.CharField(max_length=80, unique=True)
    key = pii.EncryptedTextField(blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    erased_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("personal key")
        verbose_name_plural = _("personal keys")

    def __str__(self) -> str:
        return f"{self.holder}{' (erased)' if self.erased_at else ''}"


class Sealed(models.Model):
    """A row that may hold one person's values sealed under his ``PersonalKey``.

    ``sealed`` is a ``core.pii.seal`` token of the row's personal values (a JSON object);
    the clear columns it replaces hold nothing personal. ``opened`` gives them back while
    the key exists, ``None`` once erased (or when the row holds nothing sealed).
    """

    personal_key = models.ForeignKey(
        PersonalKey, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # NULL, not "", when empty: SQLite then adds the column without rebuilding the table
    # (a rebuild would drop the append-only triggers of the logs).
    sealed = models.TextField(null=True, blank=True)

    class Meta:
        abstract = True

    @property
    def opened(self) -> dict | None:
        if not self.sealed:
            return None
        cached = getattr(self, "_opened", False)
        if cached is False:
            from .personal import open_row

            cached = self._opened = open_row(self)
        return cached

    @property
    def erased(self) -> bool:
        """Sealed under a key that erasure destroyed: the personal values are gone."""
        return bool(self.sealed) and self.opened is None

    def shown(self, name: str, default=""):
        """A personal column as it is shown: the clear column, or the sealed value, or ``—``."""
        if not self.sealed:
            return getattr(self, name)
        opened = self.opened
        if opened is None:
            return default if default != "" else "—"
        return opened.get(name, default)


class AppendOnlyQuerySet(models.QuerySet):
    """The ORM side of an append-only table; triggers refuse the same in the database
    (``core/append_only.py``)."""

    def update(self, **kwargs):
        raise PermissionError(f"{self.model._meta.label} is append-only")

    def delete(self):
        raise PermissionError(f"{self.model._meta.label} is append-only")


class LogQuerySet(AppendOnlyQuerySet):
    def for_user(self, user):
        if not user.is_authenticated or not user.has_role(Role.ADMIN, Role.SUPERVISOR):
            return self.none()
        if user.sees_everything:
            return self
        return self.filter(organisation__path__startswith=user.organisation.path)


class AppendOnly(models.Model):
    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise PermissionError(f"{self._meta.label} is append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError(f"{self._meta.label} is append-only")


class AuditLog(AppendOnly, Sealed):
    """Every state change: who, what, on which object, old and new values, when, from where.

    A row about a driver (or anything of his) holds ``object_repr``, the values of
    ``changes`` and ``note`` sealed under his personal key; the clear ``changes`` keep the
    field names only (values ``***``). Action, actor, object type and id, organisation,
    time, address and request id stay in clear.
    """

    at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_label = models.CharField(_("actor"), max_length=150, blank=True)
    action = models.CharField(_("action"), max_length=64)
    object_type = models.CharField(_("object type"), max_length=64)
    object_id = models.CharField(_("object"), max_length=64)
    object_repr = models.CharField(max_length=200, blank=True)
    organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    changes = models.JSONField(_("changes"), default=dict, blank=True)
    note = models.TextField(blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    request_id = models.CharField(max_length=64, blank=True)

    objects = LogQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit log")
        indexes = [
            # The driver's timeline and an object's history: all rows about one object.
            models.Index(fields=["object_type", "object_id", "-at"], name="audit_object_idx"),
            # The audit page filtered by actor.
            models.Index(fields=["actor", "-at"], name="audit_actor_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_label} {self.action} {self.shown_repr}"

    @property
    def shown_repr(self) -> str:
        return self.shown("object_repr")

    @property
    def shown_changes(self) -> dict:
        opened = self.opened
        return opened.get("changes", {}) if opened is not None else self.changes

    @property
    def shown_note(self) -> str:
        return self.shown("note") if not self.erased else ""


class AccessLog(AppendOnly, Sealed):
    """Every view of a sensitive value in clear: who looked at whose which field, when, and why.

    About a driver, ``subject_repr`` and ``reason`` are sealed under his personal key.
    """

    at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(User, null=True, on_delete=models.PROTECT, related_name="+")
    actor_label = models.CharField(_("actor"), max_length=150, blank=True)
    subject_type = models.CharField(_("subject type"), max_length=64)
    subject_id = models.CharField(_("subject"), max_length=64)
    subject_repr = models.CharField(max_length=200, blank=True)
    field = models.CharField(_("field"), max_length=64)
    reason = models.CharField(pgettext_lazy("access purpose", "reason"), max_length=200, blank=True)
    organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    ip = models.GenericIPAddressField(null=True, blank=True)

    objects = LogQuerySet.as_manager()

    class Meta:
        verbose_name = _("access entry")
        verbose_name_plural = _("access log")
        indexes = [
            models.Index(fields=["subject_type", "subject_id", "-at"], name="access_subject_idx")
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_label} {self.shown_repr} {self.field}"

    @property
    def shown_repr(self) -> str:
        return self.shown("subject_repr")

    @property
    def shown_reason(self) -> str:
        return self.shown("reason")


class PhoneCode(models.Model):
    """A one-time code sent by SMS to prove a mobile number. The code itself is never stored:
    only a keyed hash of it with a per-code salt; the number only as its lookup hash.

    One live code per number and purpose (a named partial unique constraint). Transitions:

        live → used      the right code, once
        live → replaced  a newer code was asked for the same number and purpose
        live → spent     too many wrong tries
    A live code past ``expires_at`` is refused as expired. ``accounts/codes.py`` decides.
    """

    class Purpose(models.TextChoices):
        REGISTER = "register", _("Registration")
        LOGIN = "login", _("Log in by code")
        RESET = "reset", _("Password reset")

    class Status(models.TextChoices):
        LIVE = "live", _("Not used yet")
        USED = "used", _("Used")
        REPLACED = "replaced", _("Replaced")
        SPENT = "spent", _("Too many tries")

    phone_hash = models.CharField(max_length=64, editable=False)
    purpose = models.CharField(_("purpose"), max_length=16, choices=Purpose.choices)
    salt = models.CharField(max_length=32, editable=False)
    code_hash = models.CharField(max_length=64, editable=False)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.LIVE
    )
    attempts = models.PositiveSmallIntegerField(_("wrong tries"), default=0)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    expires_at = models.DateTimeField(_("expires"))
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("SMS code")
        verbose_name_plural = _("SMS codes")
        constraints = [
            models.UniqueConstraint(
                fields=["phone_hash", "purpose"],
                condition=models.Q(status="live"),
                name="phonecode_one_live_per_purpose",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=["live", "used", "replaced", "spent"]),
                name="phonecode_status_valid",
            ),
        ]
        indexes = [
            # codes.request_code: the codes sent to a number in the last day (the send limits).
            models.Index(fields=["phone_hash", "-created_at"], name="phonecode_recent_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.purpose} code ({self.status})"


class WeChatBinding(models.Model):
    """A driver's login bound to his WeChat openid at the service account, after he proved his
    mobile number with an SMS code. Opening the site from the account's menu then logs him in,
    and request updates reach him as the account's notices. The openid is personal: encrypted
    (the notices need it) with a keyed hash to find the binding. Unbinding deletes the row."""

    user = models.OneToOneField(
        User, on_delete=models.CASCADE, related_name="wechat_binding", verbose_name=_("user")
    )
    #: the service account the openid belongs to (an openid is per account)
    app_id = models.CharField(max_length=32)
    openid = pii.EncryptedTextField()
    openid_hash = models.CharField(max_length=64, editable=False)
    bound_at = models.DateTimeField(_("bound"), default=timezone.now)

    class Meta:
        verbose_name = _("WeChat binding")
        constraints = [
            # One login per WeChat user of an account: the menu's log-in finds it by the hash.
            models.UniqueConstraint(fields=["openid_hash"], name="wechat_binding_openid_once"),
        ]

    def __str__(self) -> str:
        return f"WeChat binding of user {self.user_id}"


class StaffIdentity(models.Model):
    """A staff account's identity at the unified identity platform (OpenID Connect): the keyed
    hash of the issuer and subject. Linked on the first single sign-on whose configured claim
    names the account; roles and organisations stay the platform's own."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="identities")
    subject_hash = models.CharField(max_length=64, editable=False)
    linked_at = models.DateTimeField(default=timezone.now)
    last_login_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("single sign-on identity")
        constraints = [
            # The callback finds the account by the subject's hash.
            models.UniqueConstraint(fields=["subject_hash"], name="staff_identity_subject_once"),
        ]

    def __str__(self) -> str:
        return f"identity of user {self.user_id}"
