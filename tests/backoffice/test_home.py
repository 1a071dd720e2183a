"""The back office shell: logging in, the home page with the store and team, who is refused."""

import pytest
from django.urls import reverse

from stores.models import Staff
from tests.stores.factories import StaffFactory, StoreFactory, UserFactory

pytestmark = pytest.mark.django_db

HOME = reverse("backoffice:home")
LOGIN = reverse("backoffice:login")


@pytest.fixture
def store():
    return StoreFactory(code="sh01", name="上海静安嘉里中心店", phone="021-61110000")


@pytest.fixture
def team(store):
    """Given a manager and two clerks at one store, a former clerk, and a clerk elsewhere."""
    return {
        "manager": StaffFactory(store=store, role=Staff.Role.MANAGER, display_name="王芳",
                                staff_code="SH01-M", user__username="manager_sh01"),
        "clerk": StaffFactory(store=store, display_name="李娜", staff_code="SH01-C1",
                              user__username="clerk_sh01_1"),
        "clerk2": StaffFactory(store=store, display_name="张敏", staff_code="SH01-C2"),
        "former": StaffFactory(store=store, display_name="刘洋", staff_code="SH01-C3",
                               is_active=False),
        "elsewhere": StaffFactory(display_name="陈静", staff_code="GZ01-C1"),
    }  # fmt: skip


def test_login_page_shows_demo_logins_only_in_demo_mode(client, settings):
    settings.DEMO_MODE = True
    assert "manager_sh01" in client.get(LOGIN).content.decode()
    settings.DEMO_MODE = False
    response = client.get(LOGIN)
    assert response.status_code == 200
    assert "manager_sh01" not in response.content.decode()


def test_clerk_logs_in_and_sees_own_store_and_team(client, team):
    response = client.post(LOGIN, {"username": "clerk_sh01_1", "password": "pass1234"})
    assert response.status_code == 302
    assert response["Location"] == HOME

    home = client.get(HOME)

    assert home.status_code == 200
    html = home.content.decode()
    assert "上海静安嘉里中心店" in html
    assert "王芳" in html and "李娜" in html and "张敏" in html
    assert "刘洋" not in html  # no longer active
    assert "陈静" not in html  # another store's clerk
    assert home.context["staff"] == team["clerk"]
    assert "/admin/" not in html  # HQ link is for HQ only
    assert [member.staff_code for member in home.context["team"]] == [
        "SH01-M",
        "SH01-C1",
        "SH01-C2",
    ]


def test_wrong_password_stays_on_login(client, team):
    response = client.post(LOGIN, {"username": "clerk_sh01_1", "password": "nope"})
    assert response.status_code == 200
    assert not response.wsgi_request.user.is_authenticated


def test_anonymous_is_sent_to_login(client):
    response = client.get(HOME)
    assert response.status_code == 302
    assert response["Location"] == f"{LOGIN}?next={HOME}"


def test_user_without_staff_row_gets_403(client):
    client.force_login(UserFactory())
    response = client.get(HOME)
    assert response.status_code == 403
    assert "not registered as store staff" in response.content.decode()


def test_superuser_without_staff_row_is_pointed_to_admin(client):
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    response = client.get(HOME)
    assert response.status_code == 403
    assert "/admin/" in response.content.decode()


def test_inactive_staff_gets_403(client, team):
    client.force_login(team["former"].user)
    response = client.get(HOME)
    assert response.status_code == 403
    assert "no longer active" in response.content.decode()


def test_hq_sees_the_admin_link(client, store):
    hq = StaffFactory(store=store, role=Staff.Role.HQ, staff_code="HQ-1")
    client.force_login(hq.user)
    response = client.get(HOME)
    assert response.status_code == 200
    assert 'href="/admin/"' in response.content.decode()


def test_home_query_count_is_pinned(client, team, django_assert_max_num_queries):
    client.force_login(team["clerk"].user)
    # session + user + staff with store + team, and the Today board: the order queue (2), the
    # day's visits (2), transfers (2), follow-ups due (1)
    with django_assert_max_num_queries(11):
        assert client.get(HOME).status_code == 200
