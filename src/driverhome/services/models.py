"""Full-lifecycle service (全周期服务): the catalogue of nodes and service items.

The catalogue is platform-wide data edited by administrators: 14 lifecycle
nodes of a driver's working life, and the service items hung on them. Each
item carries its eligibility as declarative rules (JSON, see
``services/eligibility.py`` for the vocabulary), so administrators change who
is recommended an item without a release.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


class LifecycleNode(models.Model):
    """One of the key nodes of a driver's working life (入职, 规划, 社保, 关爱, ...)."""

    code = models.CharField(_("code"), max_length=8, unique=True)
    name = models.CharField(_("name"), max_length=40)
    name_en = models.CharField(_("English name"), max_length=80, blank=True)
    description = models.TextField(_("description"), blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)
    updated_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("lifecycle node")
        verbose_name_plural = _("lifecycle nodes")
        ordering = ["order", "code"]

    def __str__(self) -> str:
        return f"{self.code} {self.label}"

    @property
    def label(self) -> str:
        """The name in the current language (the Chinese name is the source)."""
        if self.name_en and (get_language() or "").startswith("en"):
            return self.name_en
        return self.name


class ServiceItem(models.Model):
    """A service a driver (or a family member) can receive at one node.

    ``eligibility`` is ``{"match": "all"|"any", "rules": [{"rule": ..., ...}]}``;
    an empty rule list means the item is offered to everyone on request but
    never recommended automatically.
    """

    class Channel(models.TextChoices):
        ON_SITE = "on_site", _("On site")
        MARKET = "market", _("At a market")
        PHONE = "phone", _("By phone")
        REFERRAL = "referral", _("Referral")
        TRAINING = "training", _("Training session")

    class Beneficiary(models.TextChoices):
        DRIVER = "driver", _("The driver")
        CHILD = "child", _("A child")
        SPOUSE = "spouse", _("The spouse")
        FAMILY = "family", _("A family member")

    code = models.CharField(_("code"), max_length=12, unique=True)
    node = models.ForeignKey(
        LifecycleNode, verbose_name=_("node"), on_delete=models.PROTECT, related_name="items"
    )
    name = models.CharField(_("name"), max_length=80)
    name_en = models.CharField(_("English name"), max_length=120, blank=True)
    description = models.TextField(_("description"), blank=True)
    provider = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("provider"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="provided_service_items",
    )
    provider_label = models.CharField(_("provided by"), max_length=80, blank=True)
    channel = models.CharField(
        _("delivered"), max_length=12, choices=Channel.choices, default=Channel.ON_SITE
    )
    beneficiary = models.CharField(
        _("for"), max_length=8, choices=Beneficiary.choices, default=Beneficiary.DRIVER
    )
    eligibility = models.JSONField(_("eligibility rules"), default=dict, blank=True)
    eligibility_hint = models.CharField(_("eligibility (plain words)"), max_length=120, blank=True)
    clause = models.CharField(_("standard clause"), max_length=120, blank=True)
    # How urgent a recommendation of this item is when no rule says otherwise (0-100).
    base_urgency = models.PositiveSmallIntegerField(_("base urgency"), default=10)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)
    updated_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("service item")
        verbose_name_plural = _("service items")
        ordering = ["node__order", "order", "code"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(base_urgency__lte=100), name="service_item_urgency_range"
            )
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.label}"

    @property
    def label(self) -> str:
        if self.name_en and (get_language() or "").startswith("en"):
            return self.name_en
        return self.name

    @property
    def rules(self) -> list[dict]:
        return list((self.eligibility or {}).get("rules") or [])
