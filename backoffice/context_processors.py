def staff(request):
    """`staff` in every back-office template once `staff_required` has identified the user, and
    `desk_read_only` when HQ is looking at another store's desk."""
    return {
        "staff": getattr(request, "staff", None),
        "desk_read_only": getattr(request, "desk_read_only", False),
    }
