"""Threads on the real database: withdrawals at the same moment never overdraw, and payments,
refunds, maturity and withdrawals touching the same wallets at once neither deadlock nor lose
a fen."""

import threading

import pytest
from django.db import connection
from django.utils import timezone

from commissions.exceptions import BelowMinimum
from commissions.models import CommissionPolicy, Wallet, Withdrawal
from commissions.services.maturity import commissions_mature
from commissions.services.wallets import commissions_check
from commissions.services.withdrawals import withdrawal_request
from orders.services.refunds import refund_execute, refund_request
from tests.commissions.money import LATER, completed, figures, matured
from tests.orders.placing import pay, place

pytestmark = pytest.mark.django_db(transaction=True)


def run_together(work: list) -> list[str]:
    """Run each callable in its own thread, released at once by a barrier; each thread closes
    its database connection."""
    barrier = threading.Barrier(len(work), timeout=30)
    results = [""] * len(work)

    def target(index):
        try:
            barrier.wait()
            work[index]()
            results[index] = "ok"
        except BelowMinimum:
            results[index] = "below minimum"
        except Exception as error:  # noqa: BLE001 - reported by the assertions
            results[index] = f"error: {error!r}"
        finally:
            connection.close()

    threads = [threading.Thread(target=target, args=(i,)) for i in range(len(work))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def test_concurrent_withdrawal_requests_cannot_overdraw(chain):
    CommissionPolicy.objects.update_or_create(pk=1, defaults={"min_withdrawal": 100})
    matured(chain)
    wallet = Wallet.objects.get(member=chain.b)

    results = run_together([lambda: withdrawal_request(wallet=wallet)] * 6)

    assert sorted(results) == ["below minimum"] * 5 + ["ok"], results
    assert list(Withdrawal.objects.values_list("amount", flat=True)) == [1797]
    assert figures(wallet)["requested"] == 1797 and figures(wallet)["available"] == 0
    assert commissions_check() == []


def test_payments_refunds_maturity_and_withdrawals_at_once_keep_every_wallet_exact(chain):
    CommissionPolicy.objects.update_or_create(pk=1, defaults={"min_withdrawal": 100})
    matured(chain)
    to_refund = [completed(chain) for _ in range(2)]
    commissions_mature(now=timezone.now() + LATER)
    to_pay = [place(chain) for _ in range(3)]
    wallets = list(Wallet.objects.all())

    work = [lambda order=order: pay(order) for order in to_pay]
    work += [
        lambda order=order: refund_execute(
            refund=refund_request(order=order, lines=None, reason="returned")
        )
        for order in to_refund
    ]
    work += [lambda: commissions_mature(now=timezone.now() + LATER)]
    work += [lambda wallet=wallet: withdrawal_request(wallet=wallet) for wallet in wallets]
    results = run_together(work)

    assert not [r for r in results if r.startswith("error")], results
    assert commissions_check() == []
    # Everything the three payments earned is pending; the refunds took back the two orders.
    clerk = Wallet.objects.get(staff=chain.clerk)
    assert figures(clerk)["pending"] == 3 * 2995
    assert figures(clerk)["reversed"] == 2 * 2995
