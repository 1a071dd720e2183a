"""Daily facts: one row per store × day × basis × channel × fulfilment (and per clerk, per
product), written by `reports.services.facts.facts_rebuild` and never edited by hand.

A day is a local day (Asia/Shanghai). Sales count on the day they were paid; refunds on the day
the money went back (a refund is its own row in the orders' refund table, so it is counted once,
on its own day, whatever the order's status says); commission on the day the ledger entry was
written (reversals are negative). Money in fen.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class StoreDay(models.Model):
    """What one store sold on one day through one channel and fulfilment kind.

    Every order counts twice, once per basis (DESIGN §4 "Attribution"): under its credited store
    (the performance the store is judged on) and under its fulfilling store (the work its staff
    did). A report picks one basis; summing both double counts.
    """

    class Basis(models.TextChoices):
        CREDITED = "credited", _("Credited")
        FULFILLED = "fulfilled", _("Fulfilled")

    day = models.DateField(_("day"))
    store = models.ForeignKey(
        "stores.Store", on_delete=models.CASCADE, related_name="+", verbose_name=_("store")
    )
    basis = models.CharField(_("basis"), max_length=16, choices=Basis.choices)
    channel = models.CharField(_("channel"), max_length=16)
    fulfillment = models.CharField(_("fulfillment"), max_length=16)
    orders = models.IntegerField(_("orders"), default=0)
    goods_amount = models.BigIntegerField(_("goods (fen)"), default=0)
    discount_amount = models.BigIntegerField(_("discount (fen)"), default=0)
    points_discount_amount = models.BigIntegerField(_("points discount (fen)"), default=0)
    shipping_amount = models.BigIntegerField(_("shipping (fen)"), default=0)
    sales_amount = models.BigIntegerField(_("paid (fen)"), default=0)
    refunds = models.IntegerField(_("refunds"), default=0)
    refund_amount = models.BigIntegerField(_("refunded (fen)"), default=0)
    points_used = models.BigIntegerField(_("points used"), default=0)
    commission_amount = models.BigIntegerField(_("commission (fen)"), default=0)
    customers_new = models.IntegerField(_("new customers"), default=0)
    customers_returning = models.IntegerField(_("returning customers"), default=0)

    class Meta:
        verbose_name = _("store day")
        verbose_name_plural = _("store days")
        constraints = [
            models.UniqueConstraint(
                fields=["day", "store", "basis", "channel", "fulfillment"],
                name="reports_store_day_unique",
            )
        ]
        # A store's report over a date range (by day, credited basis) reads this index alone:
        # the summed figures ride along in it, so a year of one store is an index-only scan of
        # a few hundred adjacent entries with no table page touched (the rows never change after
        # the nightly job, so vacuum keeps them all-visible). Every store's range reads the
        # unique constraint's index (day first) or the monthly rollup.
        indexes = [
            models.Index(
                fields=["store", "basis", "day"],
                include=["channel", "orders", "sales_amount", "refund_amount"],
                name="reports_store_day_report_idx",
            )
        ]

    def __str__(self):
        return f"{self.day} {self.store_id} {self.basis} {self.channel}/{self.fulfillment}"

    @property
    def net_amount(self) -> int:
        return self.sales_amount - self.refund_amount


class StoreMonth(models.Model):
    """`StoreDay` summed by calendar month (same keys and figures, `month` = its first day):
    a year's report per store reads 12 rows per key instead of 365. Rebuilt from `StoreDay`
    with it, for every month the rebuilt range touches."""

    month = models.DateField(_("month"))
    store = models.ForeignKey(
        "stores.Store", on_delete=models.CASCADE, related_name="+", verbose_name=_("store")
    )
    basis = models.CharField(_("basis"), max_length=16, choices=StoreDay.Basis.choices)
    channel = models.CharField(_("channel"), max_length=16)
    fulfillment = models.CharField(_("fulfillment"), max_length=16)
    orders = models.IntegerField(_("orders"), default=0)
    goods_amount = models.BigIntegerField(_("goods (fen)"), default=0)
    discount_amount = models.BigIntegerField(_("discount (fen)"), default=0)
    points_discount_amount = models.BigIntegerField(_("points discount (fen)"), default=0)
    shipping_amount = models.BigIntegerField(_("shipping (fen)"), default=0)
    sales_amount = models.BigIntegerField(_("paid (fen)"), default=0)
    refunds = models.IntegerField(_("refunds"), default=0)
    refund_amount = models.BigIntegerField(_("refunded (fen)"), default=0)
    points_used = models.BigIntegerField(_("points used"), default=0)
    commission_amount = models.BigIntegerField(_("commission (fen)"), default=0)
    customers_new = models.IntegerField(_("new customers"), default=0)
    customers_returning = models.IntegerField(_("returning customers"), default=0)

    class Meta:
        verbose_name = _("store month")
        verbose_name_plural = _("store months")
        constraints = [
            models.UniqueConstraint(
                fields=["month", "store", "basis", "channel", "fulfillment"],
                name="reports_store_month_unique",
            )
        ]
        indexes = [models.Index(fields=["store", "month"], name="reports_store_month_store_idx")]


class ClerkDay(models.Model):
    """Sales credited to one clerk on one day (the clerk keeps the customer)."""

    day = models.DateField(_("day"))
    clerk = models.ForeignKey(
        "stores.Staff", on_delete=models.CASCADE, related_name="+", verbose_name=_("clerk")
    )
    store = models.ForeignKey(
        "stores.Store", on_delete=models.CASCADE, related_name="+", verbose_name=_("store")
    )
    orders = models.IntegerField(_("orders"), default=0)
    sales_amount = models.BigIntegerField(_("paid (fen)"), default=0)
    refund_amount = models.BigIntegerField(_("refunded (fen)"), default=0)
    bound_sales_amount = models.BigIntegerField(_("bound members' sales (fen)"), default=0)

    class Meta:
        verbose_name = _("clerk day")
        verbose_name_plural = _("clerk days")
        constraints = [
            models.UniqueConstraint(fields=["day", "clerk"], name="reports_clerk_day_unique")
        ]
        indexes = [models.Index(fields=["store", "day"], name="reports_clerk_day_store_idx")]


class ProductDay(models.Model):
    """Units and paid amount of one product sold by one (credited) store on one day."""

    day = models.DateField(_("day"))
    store = models.ForeignKey(
        "stores.Store", on_delete=models.CASCADE, related_name="+", verbose_name=_("store")
    )
    product = models.ForeignKey(
        "catalog.Product", on_delete=models.CASCADE, related_name="+", verbose_name=_("product")
    )
    units = models.IntegerField(_("units"), default=0)
    sales_amount = models.BigIntegerField(_("paid (fen)"), default=0)

    class Meta:
        verbose_name = _("product day")
        verbose_name_plural = _("product days")
        constraints = [
            models.UniqueConstraint(
                fields=["day", "store", "product"], name="reports_product_day_unique"
            )
        ]


class ServiceDay(models.Model):
    """How one store answered on one day: delivery offers received and their answers, minutes
    to accept (median) against HQ's response target, pickups handed over and minutes from
    payment to hand-over (median)."""

    day = models.DateField(_("day"))
    store = models.ForeignKey(
        "stores.Store", on_delete=models.CASCADE, related_name="+", verbose_name=_("store")
    )
    offers = models.IntegerField(_("offers received"), default=0)
    accepted = models.IntegerField(_("accepted"), default=0)
    declined = models.IntegerField(_("declined"), default=0)
    expired = models.IntegerField(_("expired"), default=0)
    accepted_within_target = models.IntegerField(_("accepted within the target"), default=0)
    accept_minutes_median = models.FloatField(_("median minutes to accept"), null=True)
    pickups = models.IntegerField(_("pickups handed over"), default=0)
    pickup_minutes_median = models.FloatField(_("median minutes paid to handed over"), null=True)

    class Meta:
        verbose_name = _("service day")
        verbose_name_plural = _("service days")
        constraints = [
            models.UniqueConstraint(fields=["day", "store"], name="reports_service_day_unique")
        ]
