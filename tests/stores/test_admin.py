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


def test_deactivating_a_clerk_hands_her_members_to_the_manager(admin_client):
    from members.models import BindingChange
    from members.services.accounts import member_create
    from members.services.binding import member_touch
    from tests.stores.factories import StaffFactory

    clerk = StaffFactory(role="clerk")
    manager = StaffFactory(role="manager", store=clerk.store)
    member = member_create(phone="13700000001")
    member_touch(member=member, clerk=clerk, source="test")

    response = admin_client.post(
        "/admin/stores/staff/",
        {"action": "deactivate_and_hand_over", "_selected_action": [clerk.pk]},
        follow=True,
    )

    assert response.status_code == 200
    clerk.refresh_from_db()
    member.refresh_from_db()
    assert not clerk.is_active and not clerk.user.is_active
    assert member.bound_clerk == manager
    assert BindingChange.objects.filter(member=member, reason="clerk_left").exists()
    # The change form shows "active" read-only while she works here; leaving is the action.
    assert (
        'name="is_active"'
        not in admin_client.get(f"/admin/stores/staff/{manager.pk}/change/").content.decode()
    )
