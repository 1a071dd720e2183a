"""New arrivals (上新提醒): members subscribe to a category or a brand and hear about new products.

Publishing a product notifies each subscriber once, however many of her subscriptions match
(the category, one of its ancestors, the brand) and however often it is published: the notice's
dedupe key is per product and member.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from catalog.models import Category, Product
from catalog.page_cache import catalog_version_bump
from members.exceptions import MemberError
from members.models import Member, Notice, Subscription
from members.services.notices import notice_send

MAX_CATEGORY_DEPTH = 20


class InvalidSubscription(MemberError):
    """Choose a category or a brand."""

    code = "invalid_subscription"


def category_ancestor_ids(category_id: int) -> list[int]:
    """The category and every ancestor up to the root (the tree is a few levels deep)."""
    ids: list[int] = []
    current = category_id
    while current is not None and current not in ids and len(ids) < MAX_CATEGORY_DEPTH:
        ids.append(current)
        current = Category.objects.filter(pk=current).values_list("parent_id", flat=True).first()
    return ids


def subscription_add(
    *, member: Member, category: Category | None = None, brand: str = ""
) -> Subscription:
    """Subscribe to a category or a brand (exactly one); subscribing twice returns the first."""
    brand = (brand or "").strip()[:64]
    if (category is None) == (not brand):
        raise InvalidSubscription()
    lookup = {"member": member, "category": category, "brand": "" if category else brand}
    existing = Subscription.objects.filter(**lookup).first()
    if existing:
        return existing
    try:
        with transaction.atomic():
            return Subscription.objects.create(**lookup)
    except IntegrityError:
        return Subscription.objects.get(**lookup)


def subscription_remove(*, member: Member, subscription_id: int) -> bool:
    deleted, _rows = Subscription.objects.filter(member=member, pk=subscription_id).delete()
    return bool(deleted)


def new_arrival_subscribers(product: Product):
    """Active members subscribed to the product's category (or an ancestor) or its brand, who
    were not told about it yet: one query, whatever the number of subscriptions."""
    matches = Q(category_id__in=category_ancestor_ids(product.category_id))
    if product.brand:
        matches |= Q(category__isnull=True, brand__iexact=product.brand)
    subscribed = Subscription.objects.filter(matches, member=OuterRef("pk"))
    notified = Notice.objects.filter(member=OuterRef("pk"), dedupe_key=_dedupe_key(product))
    return (
        Member.objects.filter(is_active=True)
        .filter(Exists(subscribed))
        .exclude(Exists(notified))
        .order_by("pk")
    )


def _dedupe_key(product: Product) -> str:
    return f"new_arrival:{product.pk}"


def product_publish_new_arrival(*, product: Product) -> int:
    """Mark the product as a new arrival (today, unless already dated) and notify subscribers.

    Returns how many members were notified now; publishing again notifies only members who
    subscribed since.
    """
    today = timezone.localdate()
    if Product.objects.filter(pk=product.pk, new_arrival_date__isnull=True).update(
        new_arrival_date=today
    ):
        catalog_version_bump()  # the home page's new arrivals
    product.refresh_from_db(fields=["new_arrival_date"])
    title = _("New arrival: %(name)s") % {"name": product.name}
    body = product.brand or ""
    url = reverse("catalog:product", kwargs={"code": product.code})
    sent = 0
    for member in list(new_arrival_subscribers(product)):
        notice = notice_send(
            member=member,
            kind="new_arrival",
            title=title,
            body=body,
            url=url,
            dedupe_key=_dedupe_key(product),
        )
        sent += notice is not None
    return sent
