"""Every change to notifications: queue, deliver, retry, resend, delivery reports, mark read."""

from __future__ import annotations

import json
import logging
from datetime import datetime, time, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from driverhome.accounts import audit, personal
from driverhome.accounts.models import Role
from driverhome.core import pii
from driverhome.core.errors import Conflict, DomainError, PermissionDeniedError
from driverhome.core.fastinsert import insert

from . import sms_templates, wechat
from .backends import DeliveryStatus, OutgoingSms
from .messages import SECRET_PARAMETERS, TEMPLATES, parameters, render, render_params
from .models import MAX_ATTEMPTS, DeliveryReport, Notification, TemplateMapping

logger = logging.getLogger("driverhome.notifications")


def _language_of(user) -> str:
    language = getattr(user, "preferred_language", "") if user is not None else ""
    return language or "zh-hans"


def notify(**message) -> list[Notification]:
    """Queue a message; SMS go out through the background job once the caller's transaction commits.

    ``message`` as ``prepare`` takes it: ``driver`` supplies the phone number and login
    when they are not given; channels that have no address (SMS without a phone, a
    console notice without a user) are skipped.
    """
    return store(prepare(**message))


def prepare(
    *,
    recipient_user=None,
    phone=None,
    driver=None,
    template: str,
    context: dict,
    channels=("sms",),
    organisation=None,
    url: str = "",
    person=None,
) -> list[Notification]:
    """The notices ``notify`` stores, built (text rendered) but not yet written: a caller that
    writes under a lock builds them first and stores them inside its transaction.

    ``person`` (default: ``driver``) is the driver the text is about: the text and the phone
    are then sealed under his personal key, so that erasing him makes them unreadable."""
    if person is None:
        person = driver
    if driver is not None:
        if recipient_user is None:
            recipient_user = driver.user
        if not phone:
            phone = driver.phone
    language = _language_of(recipient_user)
    text = render(template, context, language)
    params = json.dumps(render_params(template, context, language), ensure_ascii=False)
    notices = []
    now = timezone.now()
    for channel in channels:
        if channel == Notification.Channel.SMS and not phone:
            continue
        if channel == Notification.Channel.CONSOLE and recipient_user is None:
            continue
        is_sms = channel == Notification.Channel.SMS
        address = phone if is_sms else ""
        sms_params = params if is_sms else ""
        sealed = personal.seal_for(person, {"text": text, "phone": address, "params": sms_params})
        key_id = token = None
        if sealed is not None:
            key_id, token = sealed
        notices.append(
            Notification(
                recipient_user=recipient_user,
                phone="" if sealed else address,
                phone_masked=pii.mask_phone(phone) if is_sms else "",
                driver=driver,
                organisation=organisation,
                channel=channel,
                template=template,
                language=language,
                text="" if sealed else text,
                params="" if sealed else sms_params,
                phone_hash=pii.lookup_hash(phone, kind="phone") if is_sms else "",
                personal_key_id=key_id,
                sealed=token,
                url=url,
                status=Notification.Status.QUEUED if is_sms else Notification.Status.SENT,
                sent_at=None if is_sms else now,
            )
        )
    return notices


def store(notices: list[Notification]) -> list[Notification]:
    """Write prepared notices; each SMS is handed to the background job once the commit is done."""
    with transaction.atomic(savepoint=False):  # inside the caller's transaction: no savepoint
        for notification in notices:
            insert(notification)
            if notification.channel != Notification.Channel.CONSOLE:
                transaction.on_commit(lambda pk=notification.pk: _enqueue(pk))
    return notices


def _enqueue(pk: int) -> None:
    from .tasks import send_notification

    send_notification(pk)


def _outgoing(row: Notification) -> OutgoingSms:
    return OutgoingSms(
        phone=row.address,
        text=row.body,
        template=row.template,
        params=row.template_params,
        out_id=str(row.out_id),
        url=row.url,
        created_at=row.created_at,
    )


def _today_start() -> datetime:
    return timezone.make_aware(datetime.combine(timezone.localdate(), time.min))


def over_daily_limit(row: Notification) -> bool:
    """Whether the number has had its ``SMS_DAILY_LIMIT`` messages today (0: no limit)."""
    limit = settings.SMS_DAILY_LIMIT
    if not limit or not row.phone_hash:
        return False
    today = _today_start()
    sent = Q(status=Notification.Status.SENT, sent_at__gte=today)
    # Messages to the number claimed before this one count too, so that two workers
    # sending to one number at once cannot both take the last place of the day.
    ahead = Q(status=Notification.Status.SENDING, claimed_at__gte=today) & (
        Q(claimed_at__lt=row.claimed_at) | Q(claimed_at=row.claimed_at, pk__lt=row.pk)
    )
    counted = Notification.objects.filter(
        channel=Notification.Channel.SMS, phone_hash=row.phone_hash
    ).exclude(pk=row.pk)
    if row.claimed_at is None:
        return counted.filter(sent).count() >= limit
    return counted.filter(sent | ahead).count() >= limit


def _fail(row: Notification, *, error: str, code: str) -> Notification:
    row.status = Notification.Status.FAILED
    row.last_error = error[:1000]
    row.provider_code = code[:80]
    Notification.objects.filter(pk=row.pk).update(
        status=row.status,
        last_error=row.last_error,
        provider_code=row.provider_code,
        provider=row.provider,
    )
    return row


def deliver(pk: int) -> Notification | None:
    """One attempt at sending a queued SMS. Claims the row, so two workers never send it twice.

    A refusal the provider documents as final fails the message at once; any other
    failure is retried with back-off until ``MAX_ATTEMPTS``. After a failure that may
    have reached the provider (a timeout) the provider is asked for the message's key
    before it is sent again. A number that had ``SMS_DAILY_LIMIT`` messages today is
    not sent to.
    """
    from .backends import SendError, get_backend

    now = timezone.now()
    # Claim: only a queued row whose attempt count we saw may be taken.
    row = (
        Notification.objects.filter(pk=pk, status=Notification.Status.QUEUED)
        .select_related("personal_key")
        .first()
    )
    if row is None:
        return None
    claimed = Notification.objects.filter(
        pk=pk, status=Notification.Status.QUEUED, attempts=row.attempts
    ).update(status=Notification.Status.SENDING, attempts=row.attempts + 1, claimed_at=now)
    if not claimed:
        return None
    row.attempts += 1
    row.status, row.claimed_at = Notification.Status.SENDING, now
    if row.template in SECRET_PARAMETERS:
        # Its stored text has the secret masked: sending it would help nobody.
        row.status = Notification.Status.FAILED
        Notification.objects.filter(pk=pk).update(
            status=row.status, last_error="not sent from the stored copy"
        )
        return row
    if row.sealed and row.opened is None:  # the person was erased before it went out
        Notification.objects.filter(pk=pk).update(
            status=Notification.Status.FAILED, last_error="erased"
        )
        row.status = Notification.Status.FAILED
        return row
    # A driver bound to the WeChat service account gets its notice; SMS when that fails.
    notice = wechat.try_send(row)
    if notice is not None and notice.message_id:
        row.status, row.sent_at = Notification.Status.SENT, now
        row.channel, row.provider = Notification.Channel.WECHAT, wechat.PROVIDER
        row.provider_message_id = notice.message_id[:64]
        Notification.objects.filter(pk=pk).update(
            status=row.status,
            sent_at=now,
            channel=row.channel,
            provider=row.provider,
            provider_message_id=row.provider_message_id,
            last_error="",
            provider_code="",
            maybe_sent=False,
        )
        return row
    if notice is not None:
        logger.info("wechat notice not sent, sms instead", extra={"notification": pk})
    backend = get_backend()
    row.provider = backend.provider  # failures are counted per provider too
    message = _outgoing(row)
    try:
        provider_id = backend.find_sent(message) if row.maybe_sent else None
        if provider_id is None:
            if over_daily_limit(row):
                logger.info("sms daily limit", extra={"notification": pk})
                return _fail(
                    row,
                    error=f"daily limit of {settings.SMS_DAILY_LIMIT} messages to this number reached",
                    code="daily_limit",
                )
            provider_id = backend.send_message(message)
    except SendError as exc:
        return _failed_attempt(row, exc, exc.code, retry=exc.retry, maybe_sent=exc.maybe_sent)
    except Exception as exc:  # noqa: BLE001 - any gateway failure is recorded and retried
        return _failed_attempt(row, exc, "", retry=True, maybe_sent=False)
    row.status = Notification.Status.SENT
    row.sent_at = now
    row.provider_message_id = str(provider_id or "")[:64]
    Notification.objects.filter(pk=pk).update(
        status=row.status,
        sent_at=now,
        last_error="",
        provider_code="",
        maybe_sent=False,
        provider=row.provider,
        provider_message_id=row.provider_message_id,
    )
    return row


def _failed_attempt(row, exc, code: str, *, retry: bool, maybe_sent: bool) -> Notification:
    final = not retry or row.attempts >= MAX_ATTEMPTS
    row.status = Notification.Status.FAILED if final else Notification.Status.QUEUED
    row.last_error = f"{type(exc).__name__}: {exc}"[:1000]
    row.provider_code = (code or "")[:80]
    # Once maybe sent, the provider is asked before every later attempt.
    row.maybe_sent = row.maybe_sent or maybe_sent
    Notification.objects.filter(pk=row.pk).update(
        status=row.status,
        last_error=row.last_error,
        provider_code=row.provider_code,
        maybe_sent=row.maybe_sent,
        provider=row.provider,
    )
    logger.warning(
        "sms send failed",
        extra={"notification": row.pk, "attempt": row.attempts, "code": code, "final": final},
    )
    if not final:
        _schedule_retry(row.pk, row.attempts)
    return row


def _schedule_retry(pk: int, attempts: int) -> None:
    from django.conf import settings

    if settings.HUEY.get("immediate"):
        return  # no scheduler in immediate mode: the sweep or staff retry it
    from .tasks import send_notification

    send_notification.schedule((pk,), delay=60 * 2**attempts)


@transaction.atomic
def retry(notification: Notification, *, actor) -> Notification:
    """Put a failed SMS back in the queue (from the console). A one-time code is never resent."""
    if notification.template in SECRET_PARAMETERS:
        raise DomainError(
            _("A one-time code is not sent again: the person asks for a new one."),
            code="secret_not_resent",
        )
    updated = Notification.objects.filter(
        pk=notification.pk, status=Notification.Status.FAILED
    ).update(status=Notification.Status.QUEUED, attempts=0)
    if updated:
        audit.record(
            actor, "notification.retry", notification, organisation=notification.organisation
        )
        transaction.on_commit(lambda: _enqueue(notification.pk))
    notification.refresh_from_db()
    return notification


def _may_handle_failures(user) -> bool:
    return user.is_superuser or user.role in (Role.SUPERVISOR, Role.ADMIN)


@transaction.atomic
def resend(notification: Notification, *, actor) -> Notification:
    """Send a failed or undelivered SMS again, as a new message linked to the original.

    The original keeps its record (status, provider, reason); the new one has its own
    idempotency key, so the provider sees a new message, sent once.
    """
    if (
        not _may_handle_failures(actor)
        or not Notification.objects.for_user(actor).filter(pk=notification.pk).exists()
    ):
        raise PermissionDeniedError(_("You may not send this message again."))
    original = Notification.objects.select_for_update().get(pk=notification.pk)
    if not original.needs_attention:
        raise Conflict(_("This message was sent; only a failed or undelivered one is sent again."))
    if original.resends.exists():
        raise Conflict(_("This message was already sent again."))
    if original.erased:
        raise Conflict(_("The person this message was about was erased: it is not sent again."))
    copy = Notification(
        recipient_user=original.recipient_user,
        phone=original.phone,
        phone_masked=original.phone_masked,
        phone_hash=original.phone_hash,
        driver=original.driver,
        organisation=original.organisation,
        channel=original.channel,
        template=original.template,
        language=original.language,
        text=original.text,
        params=original.params,
        personal_key_id=original.personal_key_id,
        sealed=original.sealed,
        url=original.url,
        resend_of=original,
    )
    store([copy])
    audit.record(
        actor,
        "notification.resend",
        original,
        organisation=original.organisation,
        changes={"resend": str(copy.out_id)},
    )
    return copy


def record_report(provider: str, report: DeliveryStatus, *, source: str) -> bool:
    """Record a provider's delivery report on its message, once.

    The message is found by the provider's id, or by our key the provider echoes.
    Returns False for a report already recorded (a replay or a second push) or for a
    message we never sent; True when it was written.
    """
    rows = Notification.objects.filter(
        provider=provider,
        channel__in=(Notification.Channel.SMS, Notification.Channel.WECHAT),
    )
    row = None
    if report.provider_message_id:
        row = rows.filter(provider_message_id=report.provider_message_id).first()
    if row is None and report.out_id:
        try:
            row = rows.filter(out_id=report.out_id).first()
        except (ValueError, DomainError):
            row = None
    if row is None:
        logger.info("sms report for an unknown message", extra={"provider": provider})
        return False
    message_id = report.provider_message_id or row.provider_message_id or f"out:{row.out_id}"
    try:
        with transaction.atomic():
            insert(
                DeliveryReport(
                    notification=row,
                    provider=provider,
                    provider_message_id=message_id[:64],
                    delivered=report.delivered,
                    code=report.code[:80],
                    reason=report.reason[:200],
                    reported_at=report.reported_at,
                    source=source,
                )
            )
            Notification.objects.filter(pk=row.pk).update(
                delivery=(
                    Notification.Delivery.DELIVERED
                    if report.delivered
                    else Notification.Delivery.UNDELIVERED
                ),
                delivery_code=report.code[:80],
                delivery_reason=report.reason[:200],
                delivered_at=report.reported_at,
            )
    except IntegrityError:
        return False  # recorded before: the unique report per message
    return True


def poll_reports(now=None, *, limit: int = 200) -> int:
    """Ask the provider for the delivery of sent messages that have no report yet
    (sent between two days and five minutes ago). Returns the reports recorded."""
    from .backends import SendError, get_backend

    backend = get_backend()
    if not backend.provider:
        return 0
    now = now or timezone.now()
    waiting = list(
        Notification.objects.filter(
            channel=Notification.Channel.SMS,
            provider=backend.provider,
            status=Notification.Status.SENT,
            delivery="",
            sent_at__gte=now - timedelta(days=2),
            sent_at__lte=now - timedelta(minutes=5),
        ).order_by("sent_at")[:limit]
    )
    try:
        reports = backend.query_reports([_outgoing(row) for row in waiting])
    except SendError as exc:
        logger.warning("sms report query failed", extra={"code": exc.code})
        return 0
    return sum(record_report(backend.provider, r, source="query") for r in reports)


@transaction.atomic
def set_template_mapping(
    *, actor, provider: str, key: str, code: str, signature: str, params: dict[str, str]
) -> TemplateMapping:
    """Map a kind of message to a provider's template (administrators). Audited."""
    if not (actor.is_superuser or actor.role == Role.ADMIN):
        raise PermissionDeniedError(_("Only administrators set the SMS templates."))
    errors = {}
    if provider not in sms_templates.PROVIDERS:
        errors["provider"] = _("Unknown provider.")
    if key not in TEMPLATES:
        errors["key"] = _("Unknown kind of message.")
    if not code.strip():
        errors["code"] = _("The provider's template code is required.")
    if not errors:
        known = set(parameters(key)) | {sms_templates.LINK}
        unknown = sorted(set(params.values()) - known)
        if unknown:
            errors["params"] = _("Not parameters of this message: %(names)s") % {
                "names": ", ".join(unknown)
            }
    if errors:
        raise DomainError(_("The template mapping is not valid."), code="invalid", fields=errors)
    existing = (
        TemplateMapping.objects.select_for_update().filter(provider=provider, key=key).first()
    )
    before = (
        {"code": existing.code, "signature": existing.signature, "params": existing.params}
        if existing
        else {}
    )
    row, _created = TemplateMapping.objects.update_or_create(
        provider=provider,
        key=key,
        defaults={
            "code": code.strip(),
            "signature": signature.strip(),
            "params": params,
            "updated_by": actor,
            "updated_at": timezone.now(),
        },
    )
    audit.record(
        actor,
        "notification.template_mapping",
        row,
        changes={
            "before": before,
            "after": {"code": row.code, "signature": row.signature, "params": row.params},
        },
    )
    return row


def mark_read(user) -> int:
    return Notification.objects.filter(recipient_user=user, read_at__isnull=True).update(
        read_at=timezone.now()
    )
