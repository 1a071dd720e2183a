from django import template

from o2o.money import format_yuan

register = template.Library()


@register.filter
def yuan(fen):
    """{{ product.price|yuan }} → ¥129.00"""
    return format_yuan(fen)
