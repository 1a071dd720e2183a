"""Reads of the member pages used by more than one view (or by the apps above members)."""

from __future__ import annotations

from members.models import Favorite


def member_favorites(member) -> list[Favorite]:
    return list(
        Favorite.objects.filter(member=member, product__is_active=True)
        .select_related("product__category")
        .prefetch_related("product__images")
        .order_by("-created_at")
    )


def favorite_exists(*, member, product) -> bool:
    return member is not None and Favorite.objects.filter(member=member, product=product).exists()
