from django.shortcuts import render


def finder(request):
    return render(request, "stores/finder.html", {})
