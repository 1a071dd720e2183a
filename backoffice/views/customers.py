"""My customers: the members bound to the clerk, and a member's page (her history, favourites,
follow-ups) with a cart to start for her and a follow-up to write.

A member's page is open to her store's staff (her home store, or her clerk's store), and for
half an hour to a counter where she showed her member card; anyone else's is 404.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from backoffice.access import (
    access_follow_up_task,
    access_member,
    follow_up_tasks_visible,
    members_presented,
    staff_required,
)
from backoffice.forms import CustomerSearchForm, FollowUpNoteForm, FollowUpOutcomeForm
from backoffice.responses import domain_error_message
from members import selectors as member_selectors
from members.models import FollowUpTask, Member
from members.services.followups import follow_up_create, follow_up_record_outcome
from o2o.errors import DomainError
from orders import selectors as order_selectors
from orders.services.assisted import assisted_cart_create

CUSTOMERS_PER_PAGE = 20
ORDERS_PER_PAGE = 10
FAVORITES_SHOWN = 12
CONTACTS_SHOWN = 5


@staff_required
def customer_list(request):
    """Members bound to the clerk: tier, last purchase, spend, open follow-ups; paginated."""
    form = CustomerSearchForm(request.GET or None)
    search = form.cleaned_data["q"] if form.is_valid() else ""
    customers = order_selectors.clerk_customers(request.staff, search=search)
    page = Paginator(customers, CUSTOMERS_PER_PAGE).get_page(request.GET.get("page"))
    return TemplateResponse(
        request,
        "backoffice/customers/list.html",
        {"form": form, "page": page, "search": search},
    )


def _member(request, member_code: str) -> Member:
    return access_member(request.staff, member_code, presented=members_presented(request))


def _detail_context(request, member: Member, *, note_form=None) -> dict:
    staff = request.staff
    visible = follow_up_tasks_visible(staff).filter(member=member)
    orders = Paginator(order_selectors.member_orders(member), ORDERS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    return {
        "member": member,
        "orders": orders,
        "favorites": member_selectors.member_favorites(member)[:FAVORITES_SHOWN],
        "open_tasks": list(visible.filter(outcome="").order_by("due_date", "id")),
        "contacts": list(visible.exclude(outcome="").order_by("-outcome_at", "-id")[:5]),
        "note_form": note_form or FollowUpNoteForm(),
        "outcome_choices": FollowUpTask.Outcome.choices,
        "is_mine": member.bound_clerk_id == staff.pk,
    }


@staff_required
def customer_detail(request, member_code: str):
    """A member's page: who she is, what she bought, what she likes, when to call her."""
    member = _member(request, member_code)
    return TemplateResponse(
        request, "backoffice/customers/detail.html", _detail_context(request, member)
    )


@require_POST
@staff_required
def customer_cart_start(request, member_code: str):
    """Open an assisted cart for her (导购代下单), named after her, and go and fill it."""
    member = _member(request, member_code)
    try:
        cart = assisted_cart_create(
            staff=request.staff, note=f"{member.display_name} · {member.member_code}"
        )
    except DomainError as error:
        messages.error(request, domain_error_message(error))
        return redirect("customers_backoffice:detail", member_code=member.member_code)
    return redirect("orders_backoffice:assist_cart", cart_id=cart.pk)


@require_POST
@staff_required
def customer_follow_up(request, member_code: str):
    """Write a follow-up for her: a reminder for a day, or a contact just made."""
    member = _member(request, member_code)
    form = FollowUpNoteForm(request.POST)
    if not form.is_valid():
        context = _detail_context(request, member, note_form=form)
        return TemplateResponse(request, "backoffice/customers/detail.html", context, status=400)
    data = form.cleaned_data
    task = follow_up_create(
        member=member,
        staff=request.staff,
        due_date=data["due_date"],
        note=data["note"],
        outcome=data["outcome"],
    )
    if task.outcome:
        messages.success(
            request,
            _("Recorded for %(member)s: %(outcome)s.")
            % {"member": member.display_name, "outcome": task.get_outcome_display()},
        )
    else:
        messages.success(
            request,
            _("Follow-up for %(member)s due on %(date)s.")
            % {"member": member.display_name, "date": task.due_date.isoformat()},
        )
    return redirect("customers_backoffice:detail", member_code=member.member_code)


@require_POST
@staff_required
def customer_follow_up_outcome(request, member_code: str, pk: int):
    """Record how one of her open follow-ups went, and come back to her page."""
    member = _member(request, member_code)
    task = access_follow_up_task(request.staff, pk)
    if task.member_id != member.pk:
        raise Http404
    form = FollowUpOutcomeForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Please choose an outcome."))
    else:
        follow_up_record_outcome(
            task=task,
            outcome=form.cleaned_data["outcome"],
            note=form.cleaned_data["note"],
            staff=request.staff,
        )
        messages.success(
            request,
            _("Recorded for %(member)s: %(outcome)s.")
            % {"member": member.display_name, "outcome": task.get_outcome_display()},
        )
    return redirect("customers_backoffice:detail", member_code=member.member_code)
