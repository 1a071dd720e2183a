"""HQ's reconciliation page: upload a bill (a bad one is refused and changes nothing), see the
differences, resolve one with a note, export them."""

from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from reports.models import PaymentBill, PaymentDifference
from stores.models import Staff
from tests.backoffice.stock_fixtures import staff_make
from tests.reports.test_reconciliation import DAY, planted  # noqa: F401

pytestmark = pytest.mark.django_db
PAGE = reverse("reports_backoffice:reconciliation")


@pytest.fixture
def hq_client(client, shop):
    client.force_login(staff_make("HQ-1", shop.store, role=Staff.Role.HQ).user)
    return client


def upload(client, content, day=DAY):
    return client.post(
        reverse("reports_backoffice:bill_upload"),
        {"bill_date": str(day), "bill": SimpleUploadedFile("bill.csv", content.encode())},
        follow=True,
    )


def test_hq_uploads_a_bill_and_resolves_a_difference(hq_client, planted):  # noqa: F811
    content, expected = planted

    page = upload(hq_client, content)

    assert "Bill of 2026-04-08: 5 matched, 6 differences." in page.content.decode()
    assert len(page.context["differences"]) == 6
    ghost = PaymentDifference.objects.get(reference="PGHOST")
    empty = hq_client.post(
        reverse("reports_backoffice:difference_resolve", args=[ghost.pk]),
        {"note": " "},
        follow=True,
    )
    assert "Say how the difference was resolved." in empty.content.decode()
    done = hq_client.post(
        reverse("reports_backoffice:difference_resolve", args=[ghost.pk]),
        {"note": "Shopper paid twice, refunded by hand"},
        follow=True,
    )
    assert len(done.context["differences"]) == 5
    ghost.refresh_from_db()
    assert ghost.resolved_at and ghost.resolution_note.startswith("Shopper paid twice")
    export = hq_client.get(PAGE, {"export": "csv", "resolved": "1"})
    rows = b"".join(export.streaming_content).decode("utf-8-sig").splitlines()
    assert len(rows) == 1 + 6


def test_a_bad_bill_or_date_is_refused_with_a_reason(hq_client, shop):
    bad = upload(hq_client, "a,b\n1,2\n3,4\n")
    future = upload(hq_client, "x", day=date(2999, 1, 1))
    fetched = hq_client.post(reverse("reports_backoffice:bill_fetch"), {"bill_date": "yesterday"})

    assert "The bill was not imported: line 1: missing columns" in bad.content.decode()
    assert "Pick a past day" in future.content.decode()
    assert fetched.status_code == 302
    assert not PaymentBill.objects.exists()
