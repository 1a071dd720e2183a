"""HQ's admin for webhooks: subscriptions (URL, secret, event types), the outbox and the
deliveries with their redeliver button (o2o.webhooks)."""

from django import forms
from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from o2o.admin_readonly import ReadOnlyAdminMixin
from o2o.models import OutboxEvent, WebhookDelivery, WebhookSubscription
from o2o.outbox import EVENT_TYPE_CHOICES
from o2o.webhooks import webhook_deliveries_redeliver


class WebhookSubscriptionForm(forms.ModelForm):
    url = forms.URLField(label=_("URL"), max_length=500, assume_scheme="https")
    event_types = forms.MultipleChoiceField(
        label=_("event types"),
        choices=EVENT_TYPE_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: every event type."),
    )

    class Meta:
        model = WebhookSubscription
        fields = ["name", "url", "secret", "event_types", "active"]

    def clean_url(self):
        url = self.cleaned_data["url"]
        if not url.lower().startswith(("https://", "http://")):
            raise forms.ValidationError(_("An http or https address."))
        return url


@admin.register(WebhookSubscription)
class WebhookSubscriptionAdmin(admin.ModelAdmin):
    form = WebhookSubscriptionForm
    list_display = ("name", "url", "active", "created_at")
    list_filter = ("active",)
    search_fields = ("name", "url")


@admin.register(OutboxEvent)
class OutboxEventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """What was told to the chain's systems; rows are written only with the change they report."""

    list_display = ("id", "created_at", "event_type", "aggregate", "event_id", "fanned_out_at")
    list_filter = ("event_type",)
    search_fields = ("aggregate", "event_id")
    date_hierarchy = "created_at"


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        "id",
        "event",
        "subscription",
        "status",
        "attempts",
        "next_attempt_at",
        "last_response_status",
        "last_error",
    )
    list_filter = ("status", "subscription")
    search_fields = ("aggregate", "event__event_id")
    list_select_related = ("event", "subscription")
    actions = ["redeliver"]

    def has_redeliver_permission(self, request):
        return request.user.has_perm("o2o.view_webhookdelivery") and request.user.has_perm(
            "o2o.change_webhooksubscription"
        )

    @admin.action(description=_("Redeliver (from the first attempt)"), permissions=["redeliver"])
    def redeliver(self, request, queryset):
        count = webhook_deliveries_redeliver(delivery_ids=queryset.values_list("pk", flat=True))
        self.message_user(
            request,
            ngettext(
                "%(count)d delivery will be sent again.",
                "%(count)d deliveries will be sent again.",
                count,
            )
            % {"count": count},
            messages.SUCCESS,
        )
