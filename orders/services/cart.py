"""The shopper's basket: a visitor's (by session), a member's, and the clerk-built cart the
customer opens through a link (导购代下单). Every write to a cart goes through here."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import F

from catalog.models import SKU
from o2o.parsing import is_whole_number
from orders.exceptions import EmptyOrder, OrderError
from orders.models import Cart, CartLine, Order
from orders.services.checkout import Line, order_place

MAX_LINE_QUANTITY = 99
# The session key under which this browser's visitor cart is kept. Logging in rotates the
# session key but keeps the session's data, so her first cart access as a member finds the
# visitor cart by it and carries it over: the login itself needs to know nothing of carts.
VISITOR_CART_SESSION = "visitor_cart_session"


class CartError(OrderError):
    """The cart cannot be changed as asked."""

    code = "cart_error"


class CartAlreadyClaimed(OrderError):
    """This cart has already been paid for by someone else."""

    code = "cart_claimed"
    http_status = 409


def _check_quantity(quantity) -> int:
    if not is_whole_number(quantity, minimum=1):
        raise CartError("quantities must be whole numbers above zero")
    return min(quantity, MAX_LINE_QUANTITY)


def cart_get_or_create(*, member=None, session_key: str | None = None) -> Cart:
    """The member's cart, or the visitor's cart of this session (exactly one of the two)."""
    if member is not None:
        lookup = {"member": member}
    elif session_key:
        lookup = {"session_key": session_key}
    else:
        raise CartError("a cart belongs to a member or a session")
    try:
        with transaction.atomic():
            cart, _created = Cart.objects.get_or_create(**lookup)
    except IntegrityError:
        # Two first requests of the same shopper raced; the other one created it.
        cart = Cart.objects.get(**lookup)
    return cart


@transaction.atomic
def cart_line_add(*, cart: Cart, sku: SKU, quantity: int = 1) -> CartLine:
    """Put `quantity` more of `sku` in the cart (one line per SKU)."""
    quantity = _check_quantity(quantity)
    if not (sku.is_active and sku.product.is_active):
        raise CartError(f"{sku.product.name} is no longer sold")
    line, created = CartLine.objects.select_for_update().get_or_create(
        cart=cart, sku=sku, defaults={"quantity": quantity}
    )
    if not created:
        line.quantity = min(line.quantity + quantity, MAX_LINE_QUANTITY)
        line.save(update_fields=["quantity"])
    return line


@transaction.atomic
def cart_line_set(*, cart: Cart, sku_id: int, quantity: int) -> None:
    """Set a line's quantity; zero removes the line."""
    if quantity == 0:
        CartLine.objects.filter(cart=cart, sku_id=sku_id).delete()
        return
    quantity = _check_quantity(quantity)
    CartLine.objects.filter(cart=cart, sku_id=sku_id).update(quantity=quantity)


def cart_line_remove(*, cart: Cart, sku_id: int) -> None:
    CartLine.objects.filter(cart=cart, sku_id=sku_id).delete()


def cart_prune_inactive(*, cart: Cart) -> list[str]:
    """Drop lines whose SKU or product was withdrawn; returns the names dropped (for a message)."""
    stale = list(
        CartLine.objects.filter(cart=cart)
        .exclude(sku__is_active=True, sku__product__is_active=True)
        .select_related("sku__product")
    )
    if stale:
        CartLine.objects.filter(pk__in=[line.pk for line in stale]).delete()
    return [f"{line.sku.product.name} {line.sku.color} {line.sku.size}".strip() for line in stale]


def cart_for_shopper(*, session, member=None, create: bool = False) -> Cart | None:
    """The cart of whoever holds `session`: the member's when she is logged in, else this
    visitor session's; None when there is none yet and `create` is false.

    The first time a member reaches her cart after logging in, the cart she filled as a visitor
    in this browser is carried over into hers (`cart_merge_visitor`), once.
    """
    if member is not None:
        visitor_session_key = session.pop(VISITOR_CART_SESSION, None)
        if visitor_session_key:
            cart_merge_visitor(visitor_session_key=visitor_session_key, member=member)
        if create:
            return cart_get_or_create(member=member)
        return Cart.objects.filter(member=member).first()
    if not session.session_key:
        if not create:
            return None
        session.save()  # a visitor's first cart needs a session key to hang on
    if create:
        cart = cart_get_or_create(session_key=session.session_key)
    else:
        cart = Cart.objects.filter(session_key=session.session_key).first()
    if cart is not None and session.get(VISITOR_CART_SESSION) != session.session_key:
        session[VISITOR_CART_SESSION] = session.session_key  # written once, not on every page
    return cart


@transaction.atomic
def cart_merge_visitor(*, visitor_session_key: str, member) -> Cart | None:
    """Carry a visitor's cart (kept under `visitor_session_key`) over to the member's cart.

    Quantities of a SKU in both carts add up; the visitor cart is deleted. Two requests racing
    here merge it once: the second finds it gone behind the first one's row lock.
    """
    visitor_cart = (
        Cart.objects.select_for_update()
        .filter(session_key=visitor_session_key, member__isnull=True)
        .first()
    )
    if visitor_cart is None:
        return None
    member_cart = cart_get_or_create(member=member)
    existing = {
        line.sku_id: line for line in CartLine.objects.select_for_update().filter(cart=member_cart)
    }
    for line in visitor_cart.lines.all():
        if line.sku_id in existing:
            CartLine.objects.filter(pk=existing[line.sku_id].pk).update(
                quantity=F("quantity") + line.quantity
            )
        else:
            CartLine.objects.create(cart=member_cart, sku_id=line.sku_id, quantity=line.quantity)
    visitor_cart.delete()
    return member_cart


@transaction.atomic
def cart_checkout(*, cart: Cart, member, **order_fields) -> Order:
    """Place an order for everything in the cart and empty it, in one transaction.

    `order_fields` go to `order_place` (fulfillment, store, appointment_at, address, note,
    points_to_use, shared_by, before_hold). Raises what order_place raises; then the cart is
    unchanged. The cart is emptied before the stock is held (order_place holds it last).
    """
    lines = list(CartLine.objects.filter(cart=cart).select_related("sku__product"))
    if not lines:
        raise EmptyOrder("the cart is empty")
    then = order_fields.pop("before_hold", None)

    def cart_empty(order: Order) -> None:
        CartLine.objects.filter(pk__in=[line.pk for line in lines]).delete()
        if then is not None:
            then(order)

    return order_place(
        member=member,
        lines=[Line(line.sku, line.quantity) for line in lines],
        before_hold=cart_empty,
        **order_fields,
    )


@transaction.atomic
def clerk_cart_claim(*, cart: Cart, member, shared_by=None) -> Order:
    """导购代下单: the customer pays the cart her clerk built; the cart is claimed once.

    The order is an in-store sale at the clerk's store, assisted by the clerk. Opening the cart
    again returns the order it became (to her); another member gets CartAlreadyClaimed. The
    cart's note is the clerk's own label ("王女士, tall"): it stays on the cart and never becomes
    the order's note, which is the customer's message to the store.
    """
    cart = (
        Cart.objects.select_for_update(of=("self",))
        .select_related("built_by", "store")
        .get(pk=cart.pk)
    )
    if cart.claimed_order_id:
        order = Order.objects.get(pk=cart.claimed_order_id)
        if order.member_id != member.pk:
            raise CartAlreadyClaimed()
        return order
    if cart.built_by is None or cart.store is None:
        raise CartError("this is not a clerk's cart")
    lines = list(cart.lines.select_related("sku__product"))
    if not lines:
        raise EmptyOrder("the cart is empty")
    return order_place(
        member=member,
        lines=[Line(line.sku, line.quantity) for line in lines],
        fulfillment=Order.Fulfillment.IN_STORE,
        store=cart.store,
        channel=Order.Channel.CLERK_ASSISTED,
        assisted_by=cart.built_by,
        shared_by=shared_by,
        before_hold=lambda order: Cart.objects.filter(pk=cart.pk).update(claimed_order=order),
    )
