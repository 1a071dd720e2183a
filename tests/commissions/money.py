"""Helpers: money in a wallet, the way it really gets there (paid, completed, matured)."""

from datetime import timedelta

from django.utils import timezone

from commissions.models import Wallet
from commissions.services.maturity import commissions_mature
from orders.services.fulfilment import order_hand_over
from tests.orders.placing import pay, place

LATER = timedelta(days=8)  # past the default 7-day return window


def completed(chain, lines=None):
    order = pay(place(chain, lines=lines))
    return order_hand_over(order=order, staff=chain.clerk)


def matured(chain, lines=None):
    """One more completed order of the chain's buyer, its commission made available."""
    order = completed(chain, lines=lines)
    commissions_mature(now=timezone.now() + LATER)
    return order


def figures(wallet):
    wallet = Wallet.objects.get(pk=wallet.pk)
    return {
        "pending": wallet.pending,
        "available": wallet.available,
        "requested": wallet.requested,
        "withdrawn": wallet.withdrawn,
        "reversed": wallet.reversed,
    }
