"""Store back office shell: login, logout and the staff member's home page."""

from django.contrib.auth import views as auth_views
from django.template.response import TemplateResponse
from django.utils import timezone

from backoffice.access import staff_required
from backoffice.views.today import today_board_context
from o2o.login_throttle import ThrottledAuthenticationForm
from stores.selectors import store_team


class LoginView(auth_views.LoginView):
    template_name = "backoffice/login.html"
    authentication_form = ThrottledAuthenticationForm
    # Not redirect_authenticated_user: a logged-in account that is not staff (403 page) must be
    # able to come back here and log in as someone else without a redirect loop.


login = LoginView.as_view()
logout = auth_views.LogoutView.as_view()


@staff_required
def home(request):
    """The landing page: the live Today board first, then the tiles, the store and the team."""
    staff = request.staff
    store = staff.store
    now = timezone.localtime()
    return TemplateResponse(
        request,
        "backoffice/home.html",
        {
            "store": store,
            "hours_today": store.hours_on(now),
            "open_now": store.is_open_at(now),
            "team": store_team(store),
            "is_hq": staff.role == staff.Role.HQ,
            **today_board_context(staff, now=now),
        },
    )
