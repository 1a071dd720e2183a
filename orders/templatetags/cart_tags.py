"""`{% cart_icon %}`: the cart icon with its count for the shopper layout (shopper/base.html).

Adds no query: the count comes from the session (orders.cart_badge); when there is none to
trust, the icon fetches it once through htmx.
"""

from django import template

from orders.cart_badge import cart_badge_count

register = template.Library()


@register.inclusion_tag("orders/_cart_icon.html", takes_context=True)
def cart_icon(context):
    request = context.get("request")
    count = cart_badge_count(request) if request is not None else 0
    return {"count": count or 0, "refresh": count is None}
