from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render


@login_required
def home(request):
    user = request.user
    if user.reads_households:
        return redirect("registry:household_list")
    if user.reads_aggregates:
        return redirect("areas:village_list")
    return render(request, "core/no_access.html", status=200)
