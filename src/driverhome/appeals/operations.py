"""One table from an action's name and its form/JSON fields to the action, shared by pages and API."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from driverhome.accounts.models import Organisation, Role, User
from driverhome.core.errors import DomainError

from . import access, actions
from .models import Appeal, BrokerTransfer, Extension, Reopening, closes_on_rating

LABELS = {
    "dispatch": gettext_lazy("Dispatch"),
    "accept": gettext_lazy("Accept"),
    "return": gettext_lazy("Return as misdirected"),
    "extend": gettext_lazy("Ask for more time"),
    "decide-extension": gettext_lazy("Decide the extension"),
    "answer": gettext_lazy("Answer"),
    "visit": gettext_lazy("Return visit"),
    "close": gettext_lazy("Close"),
    "rehandle": gettext_lazy("Re-handle"),
    "supervise": gettext_lazy("Supervise"),
    "merge": gettext_lazy("Merge into another request"),
    "withdraw": gettext_lazy("Withdraw"),
    "transfer": gettext_lazy("Hand over to another broker"),
    "answer-transfer": gettext_lazy("Answer the hand-over"),
    "decide-reopen": gettext_lazy("Decide on reopening"),
    # The driver's own (his pages and the API).
    "message": gettext_lazy("Add information"),
    "reopen": gettext_lazy("Ask to reopen"),
}
NAMES = tuple(LABELS)
#: what a driver may do to his own request through the API
DRIVER_ACTIONS = frozenset({"visit", "withdraw", "message", "reopen"})


def _text(data, name) -> str:
    value = data.get(name)
    return str(value).strip() if value is not None else ""


def _bool(data, name) -> bool:
    value = data.get(name)
    if isinstance(value, bool):
        return value
    return str(value).lower() in ("1", "true", "yes", "on", "approve", "accept")


def perform(appeal: Appeal, action: str, *, actor, data) -> Appeal:
    """Run ``action`` on ``appeal`` (which the caller loaded through ``for_user``)."""
    version = data.get("version")
    if version not in (None, ""):
        try:
            version = int(version)
        except (TypeError, ValueError):
            raise DomainError(_("The form is out of date; reload the page.")) from None
        if version != appeal.version:
            raise actions.stale(appeal)
    if action == "dispatch":
        code = _text(data, "unit")
        unit = Organisation.objects.filter(code=code, is_active=True).first() if code else None
        actions.dispatch(appeal, unit, actor=actor, note=_text(data, "note"))
    elif action == "accept":
        actions.accept(appeal, actor=actor, note=_text(data, "note"))
    elif action == "return":
        actions.return_misdirected(appeal, actor=actor, reason=_text(data, "note"))
    elif action == "extend":
        actions.request_extension(
            appeal, actor=actor, days=data.get("days"), reason=_text(data, "note")
        )
    elif action == "decide-extension":
        extension = appeal.extensions.filter(status=Extension.Status.PENDING).first()
        if extension is None:
            raise DomainError(_("No extension is waiting for a decision."), code="no_extension")
        actions.decide_extension(
            extension, actor=actor, approve=_bool(data, "approve"), note=_text(data, "note")
        )
    elif action == "answer":
        actions.answer(appeal, actor=actor, text=_text(data, "text") or _text(data, "note"))
    elif action == "visit":
        actions.return_visit(
            appeal,
            actor=actor,
            resolved=_text(data, "resolved"),
            satisfaction=data.get("satisfaction"),
            comment=_text(data, "comment"),
            close=_bool(data, "close") if "close" in data else True,
        )
    elif action == "close":
        actions.close(appeal, actor=actor, note=_text(data, "note"))
    elif action == "rehandle":
        actions.rehandle(appeal, actor=actor, note=_text(data, "note"))
    elif action == "supervise":
        actions.supervise(appeal, actor=actor, note=_text(data, "note"))
    elif action == "merge":
        target_no = _text(data, "into").upper()
        target = Appeal.objects.for_user(actor).filter(tracking_no=target_no).first()
        if target is None:
            raise DomainError(
                _("No request %(no)s that you can see.") % {"no": target_no}, code="merge_target"
            )
        actions.merge(appeal, target, actor=actor, note=_text(data, "note"))
    elif action == "withdraw":
        actions.withdraw(appeal, actor=actor, note=_text(data, "note"))
    elif action == "transfer":
        broker = User.objects.filter(
            username=_text(data, "broker"), role=Role.BROKER, is_active=True
        ).first()
        actions.transfer_broker(appeal, broker, actor=actor, note=_text(data, "note"))
    elif action == "answer-transfer":
        transfer = appeal.transfers.filter(status=BrokerTransfer.Status.PENDING).first()
        if transfer is None:
            raise DomainError(_("No hand-over is waiting."), code="no_transfer")
        actions.answer_transfer(transfer, actor=actor, accept=_bool(data, "accept"))
    elif action == "decide-reopen":
        reopening = appeal.reopenings.filter(status=Reopening.Status.PENDING).first()
        if reopening is None:
            raise DomainError(_("No request to reopen is waiting."), code="no_reopening")
        actions.decide_reopen(
            reopening, actor=actor, accept=_bool(data, "accept"), note=_text(data, "note")
        )
    elif action == "message":
        actions.add_message(
            appeal,
            actor=actor,
            text=_text(data, "text") or _text(data, "note"),
            photos=data.get("photos") or (),
        )
    elif action == "reopen":
        actions.ask_reopen(appeal, actor=actor, reason=_text(data, "note"))
    else:
        raise DomainError(_("Unknown action."), code="bad_action")
    return appeal


def available(appeal: Appeal, user) -> list[str]:
    """The actions the page offers this user now (the actions themselves check again)."""
    S = Appeal.Status
    role = user.role
    admin = user.is_superuser or role == Role.ADMIN
    relations = access.relations(user, appeal)
    follows = admin or bool(relations & access.FOLLOWERS)
    in_area = admin or access.AREA in relations
    unit = (
        appeal.handling_unit_id
        and actions._is_unit_member(user, appeal)
        and (admin or role in actions.UNIT_ROLES)
    )
    found = []
    if appeal.status in (S.COLLECTED, S.RETURNED) and in_area and role in actions.DISPATCH_ROLES:
        found.append("dispatch")
    if appeal.status == S.REPORTED and unit:
        found += ["accept", "return"]
    if appeal.status == S.HANDLING and unit:
        found += ["answer", "extend"]
    if appeal.extensions.filter(status=Extension.Status.PENDING).exists() and (
        admin or role == Role.SUPERVISOR
    ):
        found.append("decide-extension")
    visitor = follows and (admin or role in actions.VISIT_ROLES)
    if appeal.status == S.ANSWERED and visitor:
        found.append("visit")
    if appeal.status == S.VISITED and visitor:
        found.append("close")
        visit = appeal.visits.order_by("-at").first()
        if visit is not None and not closes_on_rating(visit.resolved, visit.satisfaction):
            found.append("rehandle")
    if appeal.is_open and (admin or role == Role.SUPERVISOR):
        found.append("supervise")
    if appeal.status in (S.COLLECTED, S.REPORTED, S.RETURNED, S.HANDLING):
        if in_area and (admin or role in (Role.SITE_STAFF, Role.SUPERVISOR)):
            found.append("merge")
        if follows and (admin or role in (Role.BROKER, Role.SITE_STAFF, Role.SUPERVISOR)):
            found.append("withdraw")
    if appeal.is_open and (
        admin
        or role == Role.SUPERVISOR
        or (role == Role.BROKER and appeal.care_broker_id in (None, user.pk))
    ):
        found.append("transfer")
    if appeal.transfers.filter(status=BrokerTransfer.Status.PENDING, to_broker=user).exists():
        found.append("answer-transfer")
    if (
        appeal.status == S.CLOSED
        and (admin or (role == Role.SUPERVISOR and relations & {access.AREA, access.FILE}))
        and appeal.reopenings.filter(status=Reopening.Status.PENDING).exists()
    ):
        found.append("decide-reopen")
    return found
