def staff(request):
    """`staff` in every back-office template once `staff_required` has identified the user."""
    return {"staff": getattr(request, "staff", None)}
