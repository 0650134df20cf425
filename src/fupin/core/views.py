from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import tokens
from .models import ApiToken


@login_required
def home(request):
    user = request.user
    if user.reads_households:
        return redirect("registry:household_list")
    if user.reads_aggregates:
        return redirect("areas:village_list")
    return render(request, "core/no_access.html", status=200)


@login_required
def api_tokens(request):
    """The user's own API tokens: create one (its key shown on this answer only) or revoke one."""
    key = None
    error = ""
    if request.method == "POST":
        try:
            token, key = tokens.create_token(user=request.user, name=request.POST.get("name", ""))
        except ValidationError as exc:
            error = " ".join(exc.message_dict.get("name", exc.messages))
    mine = ApiToken.objects.filter(user=request.user)
    return render(request, "core/api_tokens.html", {"tokens": mine, "key": key, "error": error})


@login_required
@require_POST
def api_token_revoke(request, pk: int):
    token = get_object_or_404(ApiToken, pk=pk, user=request.user)
    tokens.revoke_token(actor=request.user, token=token)
    messages.success(request, _("令牌“%(name)s”已撤销，使用它的脚本将无法再访问。") % {"name": token.name})
    return redirect("api_tokens")
