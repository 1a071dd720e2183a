"""Who may use the store back office.

Named checks come before actions (`check_*` then the service), so a view reads: check, act,
render. A Django superuser is not automatically store staff: the back office always works for one
store, and a superuser without a Staff row has none, so they are sent to the admin instead.
"""

from collections.abc import Iterable
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _

from stores.models import Staff, Store


def check_staff(user, *, roles: Iterable[str] | None = None, store: Store | None = None) -> Staff:
    """The active Staff row of `user`, or PermissionDenied with a message a person can act on.

    `roles` limits the check to those roles; `store` requires the staff member to work there
    (HQ staff may act for any store).
    """
    if not user.is_authenticated:
        raise PermissionDenied(_("Please log in."))
    try:
        staff = Staff.objects.select_related("store", "store__region").get(user=user)
    except Staff.DoesNotExist as missing:
        if user.is_superuser or user.is_staff:
            raise PermissionDenied(
                _("This account has no store staff profile. HQ administration is at /admin/.")
            ) from missing
        raise PermissionDenied(_("This account is not registered as store staff.")) from missing
    if not staff.is_active or not user.is_active:
        raise PermissionDenied(_("This staff account is no longer active."))
    if roles is not None and staff.role not in set(roles):
        raise PermissionDenied(_("Your role does not allow this page."))
    if store is not None and staff.role != Staff.Role.HQ and staff.store_id != store.pk:
        raise PermissionDenied(_("You work for another store."))
    return staff


def staff_required(view=None, *, roles: Iterable[str] | None = None):
    """View decorator: anonymous → login page; not active staff → 403 page with the reason.

    Sets `request.staff`; `TemplateResponse` results also get `staff` in their context (the
    back-office layout shows the store and role from it). Use bare or as
    `@staff_required(roles=[Staff.Role.MANAGER])`.
    """

    def decorate(view_func):
        @wraps(view_func)
        def wrapper(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            try:
                request.staff = check_staff(request.user, roles=roles)
            except PermissionDenied as denied:
                return TemplateResponse(
                    request,
                    "backoffice/forbidden.html",
                    {"reason": str(denied), "user_is_admin": request.user.is_staff},
                    status=403,
                )
            response = view_func(request, *args, **kwargs)
            if isinstance(response, TemplateResponse) and not response.is_rendered:
                response.context_data = {"staff": request.staff, **(response.context_data or {})}
            return response

        return wrapper

    if view is not None:
        return decorate(view)
    return decorate
