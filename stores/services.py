"""Writes about stores and staff. One function per business action, keyword-only arguments."""

from django.contrib.auth import get_user_model
from django.db import transaction

from stores.models import Staff, Store


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
