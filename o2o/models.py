import secrets
import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Heartbeat(models.Model):
    """The last time each background source (beat, a worker) proved it was alive."""

    source = models.CharField(_("source"), max_length=64, unique=True)
    last_seen = models.DateTimeField(_("last seen"))
    beats = models.PositiveBigIntegerField(_("beats"), default=0)

    class Meta:
        verbose_name = _("heartbeat")
        verbose_name_plural = _("heartbeats")

    def __str__(self):
        return f"{self.source} @ {self.last_seen:%Y-%m-%d %H:%M:%S}"


class IdempotencyRecord(models.Model):
    """The stored answer to an API write sent with an `Idempotency-Key` header (DESIGN §5).

    Written in the same transaction as the write it answers for, so the row exists exactly when
    the write happened; see `o2o.idempotency`.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("user"),
    )
    key = models.CharField(_("idempotency key"), max_length=255)
    method = models.CharField(_("method"), max_length=8)
    path = models.CharField(_("path"), max_length=500)
    request_hash = models.CharField(_("request hash (SHA-256)"), max_length=64)
    # Empty only inside the transaction that is still running the request; never committed so.
    response_status = models.PositiveSmallIntegerField(_("response status"), null=True)
    response_body = models.JSONField(_("response body"), null=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("idempotency record")
        verbose_name_plural = _("idempotency records")
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="idempotency_user_key_unique"),
        ]

    def __str__(self):
        return f"{self.method} {self.path} [{self.key}] → {self.response_status}"


class ThrottleCounter(models.Model):
    """How many times a guessable secret was tried for one target in the current window.

    One row per (scope, key), counted by one upsert in `o2o.throttle` (why the database and not
    the cache: see that module). The limit and window of the last hit are kept on the row so HQ
    can see in the admin who is locked out and until when, and unlock them.
    """

    scope = models.CharField(_("scope"), max_length=40)
    key = models.CharField(_("key"), max_length=200)
    count = models.PositiveIntegerField(_("attempts"), default=0)
    limit = models.PositiveIntegerField(_("limit"))
    window_start = models.DateTimeField(_("window start"))
    window_seconds = models.PositiveIntegerField(_("window (seconds)"))

    class Meta:
        verbose_name = _("attempt counter")
        verbose_name_plural = _("attempt counters")
        constraints = [
            models.UniqueConstraint(fields=["scope", "key"], name="throttle_scope_key_unique"),
        ]

    def __str__(self):
        return f"{self.scope} {self.key}: {self.count}/{self.limit}"


class SecurityEvent(models.Model):
    """An audit row for HQ: a wrong secret, a lockout, an unlock (DESIGN §4 "Trust")."""

    class Secret(models.TextChoices):
        PASSWORD = "password", _("Password")
        LOGIN_CODE = "login_code", _("Login code (SMS)")
        PICKUP_CODE = "pickup_code", _("Order pickup code")
        GIFT_CODE = "gift_code", _("Gift pickup code")

    class Kind(models.TextChoices):
        FAILED = "failed", _("Wrong secret")
        LOCKED = "locked", _("Locked out (too many attempts)")
        UNLOCKED = "unlocked", _("Unlocked by HQ")

    kind = models.CharField(_("what happened"), max_length=16, choices=Kind.choices)
    secret = models.CharField(_("secret"), max_length=16, choices=Secret.choices, blank=True)
    # Who or what was targeted, as people read it: a username, a phone, "store sh01".
    target = models.CharField(_("target"), max_length=200, blank=True)
    client_ip = models.GenericIPAddressField(_("client address"), null=True, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("user"),
    )
    note = models.CharField(_("note"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("security event")
        verbose_name_plural = _("security events")

    def __str__(self):
        return f"{self.get_kind_display()} · {self.get_secret_display()} · {self.target}"


class ExpiringValue(models.Model):
    """A short-lived value that must outlive a Redis outage (see `o2o.expiring`): a one-time
    login code's hash, a replay nonce, WeChat's access token, the payment sandbox's paid trades.
    """

    key = models.CharField(_("key"), max_length=250, unique=True)
    value = models.JSONField(_("value"))
    expires_at = models.DateTimeField(_("expires"), db_index=True)

    class Meta:
        verbose_name = _("expiring value")
        verbose_name_plural = _("expiring values")

    def __str__(self):
        return self.key


class DurableTask(models.Model):
    """A Celery task that must run: written in the transaction that asks for it, relayed to the
    broker until a worker finished it (see `o2o.durable`)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for the broker")
        SENT = "sent", _("With the broker")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed (given up)")

    task = models.CharField(_("task"), max_length=200)
    kwargs = models.JSONField(_("arguments"), default=dict)
    # What the task is for ("notice:12"): asking twice for the same thing queues it once.
    key = models.CharField(_("key"), max_length=200, unique=True)
    status = models.CharField(
        _("status"), max_length=8, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveIntegerField(_("sends"), default=0)
    runs = models.PositiveIntegerField(_("runs"), default=0)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    # When the task was last sent to the broker or claimed by a worker: the relay sends it again
    # when this is older than DURABLE_STALE_SECONDS and the task is not done.
    touched_at = models.DateTimeField(_("last sent or started"), null=True, blank=True)
    done_at = models.DateTimeField(_("done"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("durable task")
        verbose_name_plural = _("durable tasks")
        indexes = [
            models.Index(
                fields=["status", "touched_at"],
                name="durable_open_idx",
                condition=~models.Q(status__in=["done", "failed"]),
            ),
        ]

    def __str__(self):
        return f"{self.task} [{self.key}] {self.status}"


def webhook_secret_new() -> str:
    return secrets.token_urlsafe(32)


class OutboxEvent(models.Model):
    """Something another system cares about, written in the same transaction as the change
    (DESIGN §4 "Outbound events"): the row exists exactly when the change committed.

    `event_id` is what receivers de-duplicate on; `id` orders the events, and the events of one
    aggregate (an order, a stock level, a member) are in the order their changes committed,
    because each change locks its aggregate's row before writing here. The relay fans an event
    out to the subscriptions that want it (`fanned_out_at`), then delivers (`WebhookDelivery`).
    """

    event_id = models.UUIDField(_("event id"), default=uuid.uuid4, unique=True, editable=False)
    event_type = models.CharField(_("event type"), max_length=40)
    aggregate = models.CharField(_("aggregate"), max_length=120)
    payload = models.JSONField(_("data"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True, db_index=True)
    fanned_out_at = models.DateTimeField(_("fanned out"), null=True, blank=True)

    class Meta:
        verbose_name = _("outbox event")
        verbose_name_plural = _("outbox events")
        indexes = [
            models.Index(
                fields=["id"],
                condition=models.Q(fanned_out_at__isnull=True),
                name="outbox_event_not_fanned_out",
            ),
        ]

    def __str__(self):
        return f"{self.event_type} {self.aggregate} ({self.event_id})"


class WebhookSubscription(models.Model):
    """An endpoint of the chain's systems (ERP, tills) that HQ subscribes to event types."""

    name = models.CharField(_("name"), max_length=80)
    url = models.URLField(_("URL"), max_length=500)
    secret = models.CharField(
        _("signing secret"),
        max_length=128,
        default=webhook_secret_new,
        help_text=_("Shared with the receiver, which checks the HMAC-SHA256 signature with it."),
    )
    # Empty: every event type.
    event_types = models.JSONField(_("event types"), default=list, blank=True)
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("webhook subscription")
        verbose_name_plural = _("webhook subscriptions")

    def __str__(self):
        return f"{self.name} → {self.url}"

    def wants(self, event_type: str) -> bool:
        return not self.event_types or event_type in self.event_types


class WebhookDelivery(models.Model):
    """One event on its way to one subscription: tried until delivered or dead (dead-letter)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        DELIVERED = "delivered", _("Delivered")
        DEAD = "dead", _("Dead (gave up)")

    event = models.ForeignKey(
        OutboxEvent, on_delete=models.CASCADE, related_name="deliveries", verbose_name=_("event")
    )
    subscription = models.ForeignKey(
        WebhookSubscription,
        on_delete=models.CASCADE,
        related_name="deliveries",
        verbose_name=_("subscription"),
    )
    # The event's aggregate, copied so the relay can keep each aggregate's order per subscription.
    aggregate = models.CharField(_("aggregate"), max_length=120)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"))
    last_attempt_at = models.DateTimeField(_("last attempt"), null=True, blank=True)
    last_response_status = models.PositiveSmallIntegerField(
        _("last response status"), null=True, blank=True
    )
    last_error = models.CharField(_("last error"), max_length=300, blank=True)
    delivered_at = models.DateTimeField(_("delivered"), null=True, blank=True)

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        constraints = [
            models.UniqueConstraint(
                fields=["event", "subscription"], name="webhook_delivery_once_per_subscription"
            ),
        ]
        indexes = [
            models.Index(
                fields=["subscription", "aggregate", "event"],
                condition=models.Q(status="pending"),
                name="webhook_delivery_pending",
            ),
        ]

    def __str__(self):
        return f"{self.event} → {self.subscription.name}: {self.get_status_display()}"
