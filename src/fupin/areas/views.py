"""Village pages: the villages in the user's area as aggregates, a village's facts per year."""

from __future__ import annotations

import re

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import BadRequest, PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from fupin.core.panels import village_panels
from fupin.core.scope import code_prefix

from . import selectors, services
from .forms import VillageForm, VillageYearForm
from .models import Area, VillageYear

PAGE_SIZE = 50
GET_POST = require_http_methods(["GET", "POST"])


def _require_aggregates(request: HttpRequest) -> None:
    if not request.user.reads_aggregates:
        raise PermissionDenied(_("您的角色不能查看村的情况"))


def _village(request: HttpRequest, code: str) -> Area:
    try:
        return selectors.village_for(user=request.user, code=code)
    except Area.DoesNotExist as exc:
        raise Http404(_("没有找到该村")) from exc


def _attempt(form, service, **kwargs):
    """Call a service; its problems land on the form's fields. The saved record, or None."""
    try:
        return service(**kwargs)
    except services.ConcurrentEdit as exc:
        form.add_error(None, str(exc))
    except services.ValidationFailed as exc:
        for problem in exc.problems:
            form.add_problem(problem.field, problem.message)
    except services.NotPermitted as exc:
        raise PermissionDenied(str(exc)) from exc
    return None


def _page_number(request: HttpRequest) -> int:
    """The page asked for: a whole number from 1 (a page past the end shows the last), else 400."""
    raw = request.GET.get("page") or "1"
    if not re.fullmatch(r"[0-9]{1,6}", raw) or int(raw) < 1:
        raise BadRequest(_("页码应为正整数"))
    return int(raw)


@login_required
@require_GET
def village_list(request: HttpRequest) -> HttpResponse:
    _require_aggregates(request)
    villages = selectors.villages_for(user=request.user)
    query = request.GET.get("q", "").strip()
    if query:
        villages = (
            villages.filter(name__contains=query)
            if not query.isdigit()
            else villages.filter(code_prefix("code", query))
        )
    page = Paginator(villages.select_related("parent"), PAGE_SIZE).get_page(_page_number(request))
    summaries = selectors.village_summaries(villages=list(page.object_list))
    context = {
        "page": page,
        "summaries": summaries,
        "totals": selectors.totals(summaries),
        "query": query,
        "may_add": selectors.towns_for_new_village(user=request.user).exists(),
        "may_open_households": request.user.reads_households,
    }
    return render(request, "areas/village_list.html", context)


@login_required
@require_GET
def village_detail(request: HttpRequest, code: str) -> HttpResponse:
    _require_aggregates(request)
    village = _village(request, code)
    summary = selectors.village_summaries(villages=[village])[0]
    context = {
        "village": village,
        "summary": summary,
        "years": selectors.village_years(village=village),
        "may_edit": selectors.writable_villages_for(user=request.user).filter(code=code).exists(),
        "may_open_households": request.user.reads_households,
        "panels": village_panels(request, village),
    }
    return render(request, "areas/village_detail.html", context)


@login_required
@GET_POST
def village_create(request: HttpRequest) -> HttpResponse:
    towns = [(t.code, f"{t.name}（{t.code}）") for t in selectors.towns_for_new_village(user=request.user)]
    if not towns:
        raise PermissionDenied(_("您的角色或区域不能添加村"))
    form = VillageForm(request.POST or None, towns=towns)
    if request.method == "POST" and form.is_valid():
        village = _attempt(form, services.create_village, actor=request.user, data=form.raw())
        if village is not None:
            messages.success(request, _("已添加村：%(name)s") % {"name": village.name})
            return redirect("areas:village_detail", code=village.code)
    context = {
        "form": form,
        "title": _("添加村"),
        "submit": _("添加"),
        "cancel": reverse("areas:village_list"),
    }
    return render(request, "areas/form_page.html", context)


def _writable_village(request: HttpRequest, code: str) -> Area:
    village = _village(request, code)
    if not selectors.writable_villages_for(user=request.user).filter(code=code).exists():
        raise PermissionDenied(_("您不能修改该村的情况"))
    return village


@login_required
@GET_POST
def village_year_add(request: HttpRequest, code: str) -> HttpResponse:
    village = _writable_village(request, code)
    form = VillageYearForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if _attempt(
            form, services.set_village_year, actor=request.user, village=village, data=form.data_for_service()
        ):
            messages.success(request, _("已登记%(year)s年情况") % {"year": form.cleaned_data["year"]})
            return redirect("areas:village_detail", code=code)
    context = {
        "form": form,
        "village": village,
        "title": _("登记年度情况：%(name)s") % {"name": village.name},
        "submit": _("保存"),
        "cancel": reverse("areas:village_detail", args=[code]),
    }
    return render(request, "areas/form_page.html", context)


@login_required
@GET_POST
def village_year_edit(request: HttpRequest, code: str, year: int) -> HttpResponse:
    village = _writable_village(request, code)
    existing = VillageYear.objects.filter(village=village, year=year).first()
    if existing is None:
        raise Http404(_("没有该年度的记录"))
    if request.method == "GET":
        form = VillageYearForm(initial=VillageYearForm.initial_for(existing), fixed_year=True)
    else:
        form = VillageYearForm(request.POST, fixed_year=True)
        if form.is_valid():
            data = {**form.data_for_service(), "year": str(year)}
            if _attempt(
                form,
                services.set_village_year,
                actor=request.user,
                village=village,
                data=data,
                expected=form.seen(),
            ):
                messages.success(request, _("已保存%(year)s年情况") % {"year": year})
                return redirect("areas:village_detail", code=code)
    context = {
        "form": form,
        "village": village,
        "title": _("修改%(year)s年情况：%(name)s") % {"year": year, "name": village.name},
        "submit": _("保存"),
        "cancel": reverse("areas:village_detail", args=[code]),
    }
    return render(request, "areas/form_page.html", context)
