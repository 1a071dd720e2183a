"""Writes about stores and staff. One function per business action, keyword-only arguments."""

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils import timezone

from o2o.errors import Conflict, DomainError
from stores.models import Region, Staff, Store


@transaction.atomic
def staff_create(
    *,
    store: Store,
    username: str,
    display_name: str,
    role: str,
    staff_code: str,
    password: str | None = None,
    phone: str = "",
    password_hash: str | None = None,
    hq_admin: bool = False,
) -> Staff:
    """Create a login and its Staff row together, so no user is left without a profile.

    `password` is hashed here; `password_hash` (an already hashed value) lets bulk seeding hash
    one demo password once instead of once per user. Neither given → an unusable password
    (the person gets one through a reset). `hq_admin` also opens the Django admin (HQ staff).
    """
    if role not in Staff.Role.values:
        raise ValueError(f"unknown staff role: {role!r}")
    user = get_user_model()(
        username=username,
        first_name=display_name[:150],
        is_staff=hq_admin,
        is_superuser=hq_admin,
    )
    if password_hash is not None:
        user.password = password_hash
    elif password is not None:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.save()
    staff = Staff(
        user=user,
        store=store,
        role=role,
        staff_code=staff_code,
        display_name=display_name,
        phone=phone,
    )
    staff.full_clean(exclude=["user", "store", "photo"])
    staff.save()
    return staff


class StoreExists(Conflict):
    """A store with this code exists; update it instead."""

    code = "store_exists"


class UnknownRegion(DomainError):
    """No region has this code."""

    code = "unknown_region"


STORE_FIELDS = (
    "name",
    "kind",
    "city",
    "district",
    "address",
    "latitude",
    "longitude",
    "phone",
    "opening_hours",
    "is_active",
    "delivers",
    "delivery_radius_km",
)


def _store_fields(fields: dict) -> dict:
    values = {name: value for name, value in fields.items() if name in STORE_FIELDS}
    if "region" in fields:
        try:
            values["region"] = Region.objects.get(code=fields["region"])
        except Region.DoesNotExist as error:
            raise UnknownRegion(f"unknown region {fields['region']!r}") from error
    return values


@transaction.atomic
def store_create(*, code: str, **fields) -> Store:
    """A new store from the ERP (DESIGN §5); an existing code raises StoreExists (409)."""
    values = _store_fields(fields)
    try:
        with transaction.atomic():
            return Store.objects.create(code=code, **values)
    except IntegrityError as error:
        if Store.objects.filter(code=code).exists():
            raise StoreExists(f"store {code!r} exists") from error
        raise


@transaction.atomic
def store_update(*, store: Store, **fields) -> Store:
    """Change the given fields of `store` (its code never changes: it is in QR codes)."""
    values = _store_fields(fields)
    store = Store.objects.select_for_update().get(pk=store.pk)
    for name, value in values.items():
        setattr(store, name, value)
    store.save(update_fields=[*values, "updated_at"])
    return store


@transaction.atomic
def staff_wechat_link(*, staff: Staff, openid: str) -> Staff:
    """Link a clerk's WeChat (the openid the back office's OAuth returned), so alerts and
    template messages reach her. One WeChat belongs to one staff account: a colleague's account
    that held the same openid (she moved to a new account) is unlinked."""
    now = timezone.now()
    Staff.objects.filter(wechat_openid=openid).exclude(pk=staff.pk).update(
        wechat_openid="", wechat_linked_at=None
    )
    Staff.objects.filter(pk=staff.pk).update(wechat_openid=openid, wechat_linked_at=now)
    staff.wechat_openid, staff.wechat_linked_at = openid, now
    return staff


def staff_wechat_unlink(*, staff: Staff) -> Staff:
    """Stop sending her WeChat messages: she unlinked it herself, or she left and HQ unlinked
    it (members.services.binding.staff_deactivate)."""
    Staff.objects.filter(pk=staff.pk).update(wechat_openid="", wechat_linked_at=None)
    staff.wechat_openid, staff.wechat_linked_at = "", None
    return staff
