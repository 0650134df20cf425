from pathlib import Path

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import BadRequest, ValidationError
from django.http import FileResponse, HttpResponse, HttpResponseServerError, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template import loader
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import pii, tokens
from .models import ApiToken
from .roles import Role

FAVICON = Path(__file__).resolve().parent.parent / "static" / "favicon.ico"


@login_required
def home(request):
    user = request.user
    if user.role == Role.LEADER:
        return redirect("reports:dashboard")
    if user.reads_households:
        return redirect("registry:household_list")
    if user.reads_aggregates:
        return redirect("areas:village_list")
    return render(request, "core/no_access.html", status=200)


# -- error pages: Chinese, inside the site's layout; JSON under /api/ ------------------------------------


def _api(request) -> bool:
    return request is not None and request.path.startswith("/api/")


def _json_error(status: int, code: str, message: str) -> JsonResponse:
    body = {"errors": [{"field": None, "code": code, "message": str(message)}]}
    return JsonResponse(body, status=status, json_dumps_params={"ensure_ascii": False})


def _message(exception) -> str:
    """The exception's own message when it is one of ours (a str), ID numbers masked; else empty."""
    args = getattr(exception, "args", ())
    if args and isinstance(args[0], str | Promise):
        return pii.mask_text(str(args[0]))
    return ""


def _page(request, status: int, *, title: str, message: str, advice: str) -> HttpResponse:
    context = {"status": status, "title": title, "message": message, "advice": advice}
    return render(request, f"{status}.html", context, status=status)


def bad_request(request, exception=None):
    # Only BadRequest carries a message written for the user; other 400s (a bad Host…) stay generic.
    message = _message(exception) if isinstance(exception, BadRequest) else ""
    if _api(request):
        return _json_error(400, "bad_request", message or _("请求的参数无效"))
    return _page(
        request,
        400,
        title=_("请求的参数无效"),
        message=message,
        advice=_("请从页面上的链接或表单重新操作，不要手工修改网址中的参数。"),
    )


def permission_denied(request, exception=None):
    message = _message(exception)
    if _api(request):
        return _json_error(403, "not_permitted", message or _("您无权这样做"))
    return _page(
        request,
        403,
        title=_("没有权限"),
        message=message,
        advice=_("您的角色或工作范围不包括这个页面；如需访问，请联系系统管理员。"),
    )


def page_not_found(request, exception=None):
    message = _("未找到该记录，或它不在您的工作范围内")
    if _api(request):
        return _json_error(404, "not_found", message)
    return _page(
        request,
        404,
        title=_("页面不存在"),
        message=message,
        advice=_("请检查网址，或从菜单重新进入。"),
    )


def server_error(request=None):
    """Rendered without the request's context: the error may have come from the database itself."""
    if _api(request):
        return _json_error(500, "server_error", _("系统出错，请稍后重试"))
    return HttpResponseServerError(loader.get_template("500.html").render({}))


def csrf_failure(request, reason: str = ""):
    return _page(
        request,
        403,
        title=_("页面已过期"),
        message=_("表单的安全校验未通过（页面打开太久或已在别处退出登录）。"),
        advice=_("请刷新页面后重新提交；您刚才的修改没有保存。"),
    )


def favicon(request):
    return FileResponse(
        open(FAVICON, "rb"),  # noqa: SIM115 - FileResponse closes it
        content_type="image/x-icon",
        headers={"Cache-Control": "public, max-age=604800"},
    )


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
