"""Store back office for loyalty: follow-up tasks (机会窗) and gift pickups.

A clerk sees the tasks assigned to her; a manager (or HQ staff) sees her store's. Gift pickups
are verified by the code the shopper shows, only against the staff member's own store.
"""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from backoffice.access import access_follow_up_task, follow_up_tasks_visible, staff_required
from backoffice.forms import FollowUpOutcomeForm, GiftCodeForm
from backoffice.responses import domain_error_message
from members.models import FollowUpTask, GiftRedemption
from members.services import gifts
from members.services.followups import follow_up_record_outcome
from o2o.client_ip import client_ip
from o2o.errors import DomainError
from stores.models import Staff

STORE_ROLES = [Staff.Role.CLERK, Staff.Role.MANAGER, Staff.Role.HQ]
COUNTER_ROLES = [Staff.Role.CLERK, Staff.Role.MANAGER]
UPCOMING_DAYS = 14


def mask_phone(phone: str | None) -> str:
    if not phone:
        return ""
    return f"{phone[:3]}****{phone[-4:]}" if len(phone) >= 7 else phone


@staff_required(roles=STORE_ROLES)
def follow_ups(request):
    """Today's and overdue open tasks (or the next two weeks'); ?print=1 gives a clean table."""
    staff = request.staff
    today = timezone.localdate()
    tab = "upcoming" if request.GET.get("tab") == "upcoming" else "due"
    open_tasks = follow_up_tasks_visible(staff).filter(outcome="")
    if tab == "upcoming":
        tasks = open_tasks.filter(
            due_date__gt=today, due_date__lte=today + timedelta(days=UPCOMING_DAYS)
        )
    else:
        tasks = open_tasks.filter(due_date__lte=today)
    tasks = list(tasks.order_by("due_date", "id")[:200])
    for task in tasks:
        task.masked_phone = mask_phone(task.member.phone)
        task.overdue = task.due_date < today
    context = {
        "tab": tab,
        "tasks": tasks,
        "today": today,
        "outcome_choices": FollowUpTask.Outcome.choices,
        "sees_store": staff.role != Staff.Role.CLERK,
    }
    template = (
        "backoffice/loyalty/follow_ups_print.html"
        if request.GET.get("print")
        else "backoffice/loyalty/follow_ups.html"
    )
    return TemplateResponse(request, template, context)


@require_POST
@staff_required(roles=STORE_ROLES)
def follow_up_outcome(request, pk: int):
    task = access_follow_up_task(request.staff, pk)
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
            % {"member": task.member.display_name, "outcome": task.get_outcome_display()},
        )
    url = reverse("loyalty_backoffice:follow_ups")
    return redirect(f"{url}?tab=upcoming" if request.POST.get("tab") == "upcoming" else url)


@staff_required(roles=COUNTER_ROLES)
def gift_verify(request):
    """Type (or scan) the shopper's 6-digit code and hand the gift over; lists open pickups."""
    staff = request.staff
    form = GiftCodeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            redemption = gifts.gift_verify_code(
                staff=staff, code=form.cleaned_data["code"].strip(), client_ip=client_ip(request)
            )
        except DomainError as error:
            messages.error(request, domain_error_message(error))
        else:
            messages.success(
                request,
                _("Hand over %(gift)s to %(member)s.")
                % {"gift": redemption.gift.name, "member": redemption.member.display_name},
            )
        return redirect("loyalty_backoffice:gift_verify")
    pending = list(
        GiftRedemption.objects.filter(store_id=staff.store_id, state=GiftRedemption.State.RESERVED)
        .select_related("gift", "member")
        .order_by("created_at", "id")[:100]
    )
    today = timezone.localdate()
    for redemption in pending:
        redemption.masked_phone = mask_phone(redemption.member.phone)
        redemption.today = timezone.localdate(redemption.created_at) == today
    return TemplateResponse(
        request,
        "backoffice/loyalty/gift_verify.html",
        {"form": form, "pending": pending},
        status=400 if form.errors else 200,
    )
