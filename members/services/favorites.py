"""收藏: products a member keeps to buy later."""

from __future__ import annotations

from django.db import IntegrityError, transaction

from members.models import Favorite


def favorite_toggle(*, member, product) -> bool:
    """Add the product to the member's favorites, or remove it when there; returns the new state.

    A double tap racing itself ends in one row (the unique constraint), never in an error.
    """
    deleted, _rows = Favorite.objects.filter(member=member, product=product).delete()
    if deleted:
        return False
    try:
        with transaction.atomic():
            Favorite.objects.create(member=member, product=product)
    except IntegrityError:
        pass
    return True
