"""Who may use the store back office, and which objects a staff member may see or act on.

Named checks come before actions (Zulip's `access_*` / `check_*`), so a view reads: check, act,
render. A Django superuser is not automatically store staff: the back office always works for one
store, and a superuser without a Staff row has none, so they are sent to the admin instead.

- `staff_required`: the view decorator. Anonymous → login page; not active staff → 403 page.
- `access_*(staff, id)`: an object to look at. Unknown, and another store's, are both 404: other
  stores' orders and carts do not exist here.
- `check_*(staff, id)`: an object to act on. Unknown is 404; another store's is the back office's
  403 page with the reason (`StoreForbidden`, rendered by `staff_required`).
The services check again (they are called from other edges too); these checks decide what the
person sees.

HQ staff look at any store's desk: the store they pick is kept in the session (`desk_store_set`)
and `request.staff` then works for that store, read-only: every write answers the 403 page and
the layout hides the buttons. At their own store (HQ's warehouse) they act as its staff do.
"""

import copy
import time
from collections.abc import Collection, Iterable
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _

from backoffice.responses import forbidden
from dispatch.models import DispatchOffer
from inventory.models import Transfer
from inventory.selectors import transfer_get
from members.models import FollowUpTask, Member
from orders import selectors as order_selectors
from orders.models import Cart, Order
from orders.services.fulfilment import NotYourStore, check_store_staff
from stores.models import Staff, Store

MANAGERS = [Staff.Role.MANAGER]
# Pages of a store's figures: its manager, and HQ looking at the store.
MANAGERS_AND_HQ = [Staff.Role.MANAGER, Staff.Role.HQ]
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
DESK_STORE_SESSION_KEY = "backoffice_desk_store"


class StoreForbidden(PermissionDenied):
    """The object exists but belongs to another store (or clerk); the message says so."""


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


def desk_store_set(request, store: Store | None) -> None:
    """HQ picks the store whose desk to look at (None: back to their own)."""
    if store is None:
        request.session.pop(DESK_STORE_SESSION_KEY, None)
    else:
        request.session[DESK_STORE_SESSION_KEY] = store.pk


def desk_staff(request, staff: Staff) -> tuple[Staff, bool]:
    """The staff member as the desk sees them, and whether the desk is read-only.

    Store staff work for their own store. HQ staff work for the store picked in the session,
    read-only, as a copy of their row whose `store` is that store (never saved: read-only
    requests reach no service that writes).
    """
    if staff.role != Staff.Role.HQ:
        return staff, False
    store_id = request.session.get(DESK_STORE_SESSION_KEY)
    if not store_id or store_id == staff.store_id:
        return staff, False
    store = Store.objects.select_related("region").filter(pk=store_id).first()
    if store is None:
        desk_store_set(request, None)
        return staff, False
    viewing = copy.copy(staff)
    viewing.store = store
    return viewing, True


def staff_required(view=None, *, roles: Iterable[str] | None = None, read_only_ok: bool = False):
    """View decorator: anonymous → login page; not active staff → 403 page with the reason.

    Sets `request.staff` (for HQ, working for the store they picked), `request.home_store`
    (where they really work) and `request.desk_read_only`; `TemplateResponse` results also get
    `staff` and `desk_read_only` in their context (the back-office layout shows the store and
    role from them). On a read-only desk every write (any method but GET/HEAD/OPTIONS) is the
    403 page, unless the view is `read_only_ok` (HQ's store picker). A `StoreForbidden` raised
    by the view (a `check_*` below) becomes the same 403 page. Use bare or as
    `@staff_required(roles=[Staff.Role.MANAGER])`.
    """

    def decorate(view_func):
        @wraps(view_func)
        def wrapper(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            try:
                staff = check_staff(request.user, roles=roles)
            except PermissionDenied as denied:
                return forbidden(request, str(denied))
            request.home_store = staff.store
            request.staff, request.desk_read_only = desk_staff(request, staff)
            if request.desk_read_only and request.method not in SAFE_METHODS and not read_only_ok:
                return forbidden(
                    request,
                    _("HQ sees %(store)s read-only. Switch back to your own store to act.")
                    % {"store": request.staff.store.name},
                )
            try:
                response = view_func(request, *args, **kwargs)
            except StoreForbidden as denied:
                return forbidden(request, str(denied))
            if isinstance(response, TemplateResponse) and not response.is_rendered:
                response.context_data = {
                    "staff": request.staff,
                    "desk_read_only": request.desk_read_only,
                    **(response.context_data or {}),
                }
            return response

        return wrapper

    if view is not None:
        return decorate(view)
    return decorate


# ---- orders -------------------------------------------------------------------------------------


def _store_order(number: str, *, lock: bool) -> Order:
    order = order_selectors.store_order_get(number, lock=lock)
    if order is None:
        raise Http404
    return order


def access_store_order(staff: Staff, number: str, *, lock: bool = False) -> Order:
    """Order `number` of the staff member's store, with what its page shows; 404 otherwise.

    `lock` takes the order's row lock (inside a transaction).
    """
    order = _store_order(number, lock=lock)
    try:
        check_store_staff(staff=staff, order=order)
    except NotYourStore as hidden:
        raise Http404 from hidden
    return order


def check_store_order(staff: Staff, number: str, *, lock: bool = False) -> Order:
    """Order `number` to act on: 404 when unknown, the 403 page when another store's."""
    order = _store_order(number, lock=lock)
    try:
        check_store_staff(staff=staff, order=order)
    except NotYourStore as other:
        raise StoreForbidden(_("This order belongs to another store.")) from other
    return order


def access_store_offer(staff: Staff, offer_id: int) -> DispatchOffer:
    """A delivery offer made to the staff member's store, to answer; 404 otherwise: another
    store's offers do not exist for her (HQ answers from the admin, or at its own store)."""
    offer = DispatchOffer.objects.select_related("order").filter(pk=offer_id).first()
    if offer is None or offer.store_id != staff.store_id:
        raise Http404
    return offer


# ---- carts built for a customer (导购代下单) ----------------------------------------------------


def _assisted_cart(cart_id: int) -> Cart:
    cart = Cart.objects.filter(pk=cart_id).select_related("claimed_order", "store").first()
    if cart is None:
        raise Http404
    return cart


def access_assisted_cart(staff: Staff, cart_id: int) -> Cart:
    """A cart this clerk built for a customer; another clerk's cart is 404."""
    cart = _assisted_cart(cart_id)
    if cart.built_by_id != staff.pk:
        raise Http404
    return cart


def check_assisted_cart(staff: Staff, cart_id: int) -> Cart:
    """A cart to change: 404 when unknown, the 403 page when another clerk built it."""
    cart = _assisted_cart(cart_id)
    if cart.built_by_id != staff.pk:
        raise StoreForbidden(_("Only the clerk who built this cart can change it."))
    return cart


# ---- follow-up tasks (机会窗) -------------------------------------------------------------------


def follow_up_tasks_visible(staff: Staff):
    """Open and closed tasks this staff member may see and act on: a clerk hers, a manager (or
    HQ staff) her store's as well."""
    tasks = FollowUpTask.objects.select_related("member", "product", "assignee")
    if staff.role == Staff.Role.CLERK:
        return tasks.filter(assignee=staff)
    return tasks.filter(Q(store_id=staff.store_id) | Q(assignee=staff))


def access_follow_up_task(staff: Staff, pk: int) -> FollowUpTask:
    """A task this staff member may act on; anyone else's is 404."""
    task = follow_up_tasks_visible(staff).filter(pk=pk).first()
    if task is None:
        raise Http404
    return task


# ---- members (the store's customers) ------------------------------------------------------------

# A member who shows her card QR at the counter opens her page at this store for a while, even if
# she belongs to another store: she is standing there, and the clerk serves her.
PRESENTED_SESSION_KEY = "backoffice:presented-members"
PRESENTED_SECONDS = 30 * 60
PRESENTED_KEPT = 20


def member_presented_remember(request, member: Member) -> None:
    """Remember in the staff session that `member` showed her card here just now."""
    now = int(time.time())
    kept = {
        key: at
        for key, at in _presented(request).items()
        if now - at <= PRESENTED_SECONDS and key != str(member.pk)
    }
    newest = sorted(kept.items(), key=lambda item: item[1])[-(PRESENTED_KEPT - 1) :]
    request.session[PRESENTED_SESSION_KEY] = {**dict(newest), str(member.pk): now}


def _presented(request) -> dict[str, int]:
    stored = request.session.get(PRESENTED_SESSION_KEY)
    if not isinstance(stored, dict):
        return {}
    return {key: at for key, at in stored.items() if isinstance(at, int)}


def members_presented(request) -> set[int]:
    """Ids of members who showed their card in this session within the last half hour."""
    now = int(time.time())
    return {
        int(key)
        for key, at in _presented(request).items()
        if key.isdigit() and now - at <= PRESENTED_SECONDS
    }


def member_is_the_stores(staff: Staff, member: Member) -> bool:
    """Her home store is the staff member's, or her clerk works there."""
    if member.home_store_id == staff.store_id:
        return True
    return member.bound_clerk_id is not None and member.bound_clerk.store_id == staff.store_id


def access_member(staff: Staff, member_code: str, *, presented: Collection[int] = ()) -> Member:
    """A member of the staff member's store (or one who just showed her card here), annotated
    for her page; anyone else, and unknown codes, are 404."""
    member = order_selectors.customer_get(member_code, staff=staff)
    if member is None:
        raise Http404
    if not (member_is_the_stores(staff, member) or member.pk in presented):
        raise Http404
    return member


# ---- transfers between stores (调货) -------------------------------------------------------------


def access_transfer(staff: Staff, pk: int) -> Transfer:
    """A transfer from or to the staff member's store, with its lines; any other is 404."""
    transfer = transfer_get(pk)
    if transfer is None or staff.store_id not in (transfer.from_store_id, transfer.to_store_id):
        raise Http404
    return transfer


def check_transfer_sender(staff: Staff, pk: int) -> Transfer:
    """A transfer to ship: the sending store's; the receiving store gets the 403 page."""
    transfer = access_transfer(staff, pk)
    if transfer.from_store_id != staff.store_id:
        raise StoreForbidden(_("Only the sending store can ship this transfer."))
    return transfer


def check_transfer_receiver(staff: Staff, pk: int) -> Transfer:
    """A transfer to receive: the receiving store's; the sending store gets the 403 page."""
    transfer = access_transfer(staff, pk)
    if transfer.to_store_id != staff.store_id:
        raise StoreForbidden(_("Only the receiving store can receive this transfer."))
    return transfer
