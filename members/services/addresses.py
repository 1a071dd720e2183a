"""Saved delivery addresses: add, edit, delete, choose the default (one per member)."""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from members.exceptions import InvalidPhone, MemberError
from members.models import Address
from members.services.accounts import phone_normalize
from o2o.parsing import finite_float

MAX_ADDRESSES = 20


class InvalidAddress(MemberError):
    """The address lacks a part or its map point is not a point."""

    code = "invalid_address"


def _clean(*, name: str, phone: str, address: str, latitude, longitude, label: str) -> dict:
    name, phone, address, label = (
        (name or "").strip(),
        (phone or "").strip(),
        (address or "").strip(),
        (label or "").strip(),
    )
    if not (name and phone and address):
        raise InvalidAddress(_("Enter the recipient, the phone and the address."))
    if len(name) > 40 or len(phone) > 20 or len(address) > 200 or len(label) > 20:
        raise InvalidAddress(_("A field is too long."))
    try:
        # The courier calls this number at the door: a mainland mobile, kept as 11 digits.
        phone = phone_normalize(phone)
    except InvalidPhone as error:
        raise InvalidAddress(
            _("Enter a mainland China mobile number, such as 13812345678.")
        ) from error
    lat = finite_float(latitude, minimum=-90, maximum=90)
    lng = finite_float(longitude, minimum=-180, maximum=180)
    if lat is None or lng is None:
        raise InvalidAddress(_("Choose the address's place on the map (share your location)."))
    return {
        "name": name,
        "phone": phone,
        "address": address,
        "label": label,
        "latitude": Decimal(f"{lat:.6f}"),
        "longitude": Decimal(f"{lng:.6f}"),
    }


@transaction.atomic
def address_save(
    *,
    member,
    name: str,
    phone: str,
    address: str,
    latitude,
    longitude,
    label: str = "",
    make_default: bool = False,
    existing: Address | None = None,
) -> Address:
    """Add an address (or change `existing`, one of hers). Her first address is the default."""
    fields = _clean(
        name=name, phone=phone, address=address, latitude=latitude, longitude=longitude, label=label
    )
    # Lock her addresses: two saves at once cannot both become the default.
    mine = list(Address.objects.select_for_update().filter(member=member).order_by("pk"))
    if existing is None:
        if len(mine) >= MAX_ADDRESSES:
            raise InvalidAddress(
                _("You can keep at most %(most)d addresses.") % {"most": MAX_ADDRESSES}
            )
        row = Address(member=member, **fields)
    else:
        row = next((a for a in mine if a.pk == existing.pk), None)
        if row is None:
            raise InvalidAddress("not your address")
        for key, value in fields.items():
            setattr(row, key, value)
    if make_default or not any(a.is_default for a in mine if a.pk != row.pk):
        Address.objects.filter(member=member, is_default=True).exclude(pk=row.pk).update(
            is_default=False
        )
        row.is_default = True
    row.save()
    return row


@transaction.atomic
def address_delete(*, member, address: Address) -> None:
    """Delete one of her addresses; the newest remaining one becomes the default if needed."""
    mine = list(Address.objects.select_for_update().filter(member=member).order_by("pk"))
    row = next((a for a in mine if a.pk == address.pk), None)
    if row is None:
        return  # already gone: a second tap changes nothing
    row.delete()
    rest = [a for a in mine if a.pk != row.pk]
    if row.is_default and rest:
        Address.objects.filter(pk=rest[-1].pk).update(is_default=True)


@transaction.atomic
def address_set_default(*, member, address: Address) -> None:
    list(Address.objects.select_for_update().filter(member=member))
    if not Address.objects.filter(member=member, pk=address.pk).exists():
        raise InvalidAddress("not your address")
    Address.objects.filter(member=member, is_default=True).update(is_default=False)
    Address.objects.filter(pk=address.pk).update(is_default=True)
