import pytest
from django.urls import reverse

from tests.stores.factories import StaffFactory, StoreFactory

pytestmark = pytest.mark.django_db


def test_hq_admin_pages_render(admin_client):
    store = StoreFactory(code="sh01", name="上海静安嘉里中心店")
    staff = StaffFactory(store=store)

    for url in [
        reverse("admin:stores_region_changelist"),
        reverse("admin:stores_store_changelist") + "?kind__exact=direct&q=静安",
        reverse("admin:stores_staff_changelist") + f"?store__id__exact={store.pk}",
        reverse("admin:stores_staff_change", args=[staff.pk]),
    ]:
        assert admin_client.get(url).status_code == 200, url

    change = admin_client.get(reverse("admin:stores_store_change", args=[store.pk]))
    assert change.status_code == 200
    assert "https://uri.amap.com/marker?position=121.448000,31.229000" in change.content.decode()
    assert staff.staff_code in change.content.decode()  # staff inline under the store
