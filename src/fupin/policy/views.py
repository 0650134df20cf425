"""Policy pages: village verdicts, targets, what-if, and one household's explanation (htmx fragment)."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from django.contrib.auth.decorators import login_required
from django.core.exceptions import BadRequest
from django.db.models import Max
from django.http import Http404, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from fupin.figures.verdicts import village_rows as stored_village_rows
from fupin.registry.models import Household, Income
from fupin.registry.validation import MAX_YEAR, MIN_YEAR

from . import selectors
from .definition import Policy, PolicyError, available, for_year, load
from .presentation import lines, unmet_labels
from .simulation import simulate
from .templatetags.policy_tags import slider_label

# What-if sliders: number → (minimum, maximum, step), in the policy file's units.
SLIDERS = {
    "poverty_line": (Decimal("3000"), Decimal("6000"), Decimal("50")),
    "household_exit_ratio": (Decimal("0.30"), Decimal("0.60"), Decimal("0.01")),
    "village_income_line": (Decimal("6000"), Decimal("10000"), Decimal("100")),
    "village_poor_share": (Decimal("0.01"), Decimal("0.10"), Decimal("0.01")),
    "village_exit_ratio": (Decimal("0.40"), Decimal("0.80"), Decimal("0.01")),
}


def _year(request, policy_name: str | None = None) -> int:
    raw = request.GET.get("year")
    if raw:
        if not re.fullmatch(r"[0-9]{4}", raw) or not MIN_YEAR <= int(raw) <= MAX_YEAR:
            raise BadRequest(
                _("年度应为%(low)d至%(high)d之间的四位年份") % {"low": MIN_YEAR, "high": MAX_YEAR}
            )
        return int(raw)
    latest = Income.objects.aggregate(y=Max("year"))["y"]
    return latest or load(policy_name or "guangdong-2016").effective_to.year


def _policy(request, year: int) -> Policy:
    """The policy the request names — by name, among the shipped policies only — or the year's."""
    name = request.GET.get("policy")
    if name and name not in available():
        raise BadRequest(
            _("没有名为“%(name)s”的政策（可用：%(names)s）")
            % {"name": name[:40], "names": "、".join(available())}
        )
    try:
        return load(name) if name else for_year(year)
    except PolicyError as exc:
        raise BadRequest(str(exc)) from exc


def _years(policy: Policy) -> list[int]:
    return list(range(policy.effective_from.year, policy.effective_to.year + 1))


@login_required
@require_GET
def village_table(request):
    scope = selectors.aggregate_scope(user=request.user)
    year = _year(request)
    policy = _policy(request, year)

    def compute(area: str | None) -> list[dict]:
        area_scope = selectors.Scope(area=area) if area else None
        return selectors.village_rows(selectors.runner.evaluate(policy, year, area_scope))

    source = selectors.runner.source_for(year, scope)
    try:
        # Stored rows (fupin.figures): only villages changed since the last view are evaluated.
        rows = stored_village_rows(
            policy,
            year,
            scope.area if scope else None,
            compute,
            source="live" if source.live else f"snapshot-{source.snapshot_id}",
        )
    except PolicyError as exc:
        raise BadRequest(str(exc)) from exc
    listed = [
        r
        for r in rows
        if r["registered_population"] is not None or r["poor_persons"] or r["registered_poor_persons"]
    ]
    t = policy.thresholds(year)
    return render(
        request,
        "policy/village_table.html",
        {
            "rows": listed,
            "year": year,
            "years": _years(policy),
            "policy": policy,
            "t": t,
            "source": source,
        },
    )


@login_required
@require_GET
def targets_page(request):
    scope = selectors.aggregate_scope(user=request.user)
    year = _year(request)
    policy = _policy(request, year)
    try:
        result = selectors.targets(policy, area=scope.area if scope else None)
    except selectors.NoBaseline:
        return render(request, "policy/targets.html", {"result": None, "policy": policy})
    chart = {
        "years": [str(r.year) for r in result.rows],
        "planned": [r.planned for r in result.rows],
        "actual": [r.actual for r in result.rows],
        "planned_cumulative": [r.planned_cumulative for r in result.rows],
        "actual_cumulative": [r.actual_cumulative for r in result.rows],
    }
    return render(
        request,
        "policy/targets.html",
        {"result": result, "policy": policy, "chart": chart, "plan_years": [r.year for r in result.rows]},
    )


def _slider_values(request, policy: Policy) -> dict[str, Decimal]:
    """The what-if numbers: each a finite decimal within its slider's range, else 400."""
    values = {}
    for name, (low, high, _step) in SLIDERS.items():
        raw = request.GET.get(name)
        if not raw:
            values[name] = min(max(policy.number(name), low), high)
            continue
        try:
            value = Decimal(raw[:40])
        except InvalidOperation:
            value = None
        if value is None or not value.is_finite() or not low <= value <= high:
            raise BadRequest(
                _("“%(name)s”应为%(low)s至%(high)s之间的数")
                % {"name": slider_label(name), "low": low, "high": high}
            )
        values[name] = value
    return values


@login_required
@require_GET
def whatif(request):
    selectors.aggregate_scope(user=request.user)
    year = _year(request)
    policy = _policy(request, year)
    values = _slider_values(request, policy)
    sliders = [
        {"name": n, "value": values[n], "min": lo, "max": hi, "step": st, "current": policy.number(n)}
        for n, (lo, hi, st) in SLIDERS.items()
    ]
    return render(
        request,
        "policy/whatif.html",
        {
            "sliders": sliders,
            "year": year,
            "years": _years(policy),
            "policy": policy,
            "alternatives": [load(n) for n in available() if n != policy.name],
            "against": request.GET.get("against", ""),
        },
    )


def _against(request, policy: Policy) -> Policy | None:
    """The other reading to compare with (`?against=NAME`, a shipped policy), or None."""
    name = request.GET.get("against")
    if not name:
        return None
    if name not in available() or name == policy.name:
        raise BadRequest(
            _("没有名为“%(name)s”的政策（可用：%(names)s）")
            % {"name": name[:40], "names": "、".join(n for n in available() if n != policy.name)}
        )
    return load(name)


HOUSEHOLDS_SHOWN = 200


@login_required
@require_GET
def whatif_result(request):
    scope = selectors.aggregate_scope(user=request.user)
    year = _year(request)
    policy = _policy(request, year)
    values = _slider_values(request, policy)
    changes = {n: v for n, v in values.items() if v != policy.number(n)}
    against = _against(request, policy)
    try:
        result = simulate(policy, changes, year, scope, against=against)
    except PolicyError as exc:
        raise BadRequest(str(exc)) from exc
    households = selectors.readable_households(user=request.user, rows=result.households)
    labels = unmet_labels()

    def named(codes: str) -> str:
        return "、".join(labels[c] for c in codes.split(";") if c)

    shown = [
        {**h, "unmet_before": named(h["unmet_before"]), "unmet_after": named(h["unmet_after"])}
        for h in households[:HOUSEHOLDS_SHOWN]
    ]
    changed_rows = [
        r
        for r in result.rows
        if any(r[c] for c in ("persons_in", "persons_out", "exit_persons_gained", "exit_persons_lost"))
        or r["relatively_poor_before"] != r["relatively_poor_after"]
    ]
    return render(
        request,
        "policy/whatif_result.html",
        {
            "result": result,
            "rows": changed_rows,
            "changes": changes,
            "year": year,
            "against": against,
            "households": shown,
            "households_total": len(households),
            "households_hidden": len(result.households) - len(households),
            "line_before": policy.thresholds(year).poverty_line,
            "line_after": result.changed.thresholds(year).poverty_line,
        },
    )


def _explanation(request, pk: int):
    year = _year(request)
    policy = _policy(request, year)
    try:
        judged = selectors.household_year(user=request.user, pk=pk, year=year, policy=policy)
        years = selectors.income_years(user=request.user, pk=pk)
    except Household.DoesNotExist as exc:
        raise Http404 from exc
    except PolicyError as exc:
        raise BadRequest(str(exc)) from exc
    return policy, year, years, judged


@login_required
@require_GET
def household_explain(request, pk: int):
    """The household page's 政策评估 section: a button for every year with income; a year that no
    policy judges says so in the section (not an error page)."""
    year = _year(request)
    try:
        years = selectors.income_years(user=request.user, pk=pk)
    except Household.DoesNotExist as exc:
        raise Http404 from exc
    context = {"pk": pk, "year": year, "years": years}
    if not request.GET.get("policy"):
        try:
            for_year(year)
        except PolicyError:
            return render(request, "policy/household_explain.html", {**context, "no_policy": True})
    policy, year, years, judged = _explanation(request, pk)
    e = judged.explanation
    labels = unmet_labels()
    return render(
        request,
        "policy/household_explain.html",
        {
            **context,
            "policy": policy,
            "e": e,
            "t": e.thresholds,
            "source": judged.source,
            "members": judged.members,
            "has_income": e.facts.disposable is not None,
            "below": lines(e.below_line, policy),
            "exit": None if e.exit_eligible is None else lines(e.exit_eligible, policy),
            "unmet": [labels[c] for c in e.unmet],
        },
    )


@login_required
@require_GET
def household_explain_api(request, pk: int):
    _policy_obj, _year_value, _years_list, judged = _explanation(request, pk)
    data = judged.explanation.as_dict()
    data["source"] = (
        "live" if judged.source.live else {"snapshot": judged.source.snapshot_id, "kind": judged.source.kind}
    )
    return JsonResponse(data, json_dumps_params={"ensure_ascii": False})
