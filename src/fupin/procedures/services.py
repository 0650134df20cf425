"""The one write path of procedures: start a case, record its steps, post notices, take objections.

Every function takes the acting user and refuses, with a Chinese message (`Refused`), anything the
programme does not allow:
- a step out of order, or at a level / in an area the user does not hold (a village cadre acts only in
  its own village, the town office within its town, the county above);
- an approval by whoever proposed or recorded an earlier step of the same procedure (maker-checker);
- a notice shorter than `NOTICE_MIN_DAYS`, or starting before the step before it; any step before the
  notice has ended; any step while an objection is open;
- any change to a recorded step (steps are frozen);
- a procedure for a household whose status the type does not start from (e.g. the exit of a household
  that is not registered), and a back-dated year: the year of a procedure is fixed when it starts, it
  may not lie in the future, before the household's identification or last status change, or in a year
  already closed by a locked yearly snapshot (`policy.Snapshot`, kind `year_close`).
The household's status changes only when a procedure completes, through `registry.services.change_status`.

Concurrency: `act` locks the procedure row (`select_for_update`; SQLite serialises writers) and checks
that it is still at the step the user saw; `Step(procedure, index)` is unique as a backstop. Of two
people approving the same step at once, one wins and the other is told who did it.
Every start, step, notice, objection and completion is written to the audit trail.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fupin.core import audit
from fupin.core.models import User
from fupin.core.roles import Role
from fupin.registry import services as registry_services
from fupin.registry.models import Household, StatusChange

from . import definitions
from .definitions import LEVELS, NOTICE_MIN_DAYS, ProcedureType, StepSpec
from .models import FrozenStep, Notice, Objection, Procedure, Step

LEVEL_ROLES = {"village": Role.VILLAGE_CADRE, "town": Role.TOWN_OFFICE, "county": Role.UPPER_LEVEL}
MAX_TEXT = 2000


class Refused(Exception):
    def __init__(self, message: str, code: str = "refused"):
        self.code = code
        super().__init__(message)


def today() -> dt.date:
    """The office's date (a function, so the tests can move the clock past a notice period)."""
    return timezone.localdate()


# -- who may act ----------------------------------------------------------------------------------


def level_refusal(user: User, village_code: str, spec: StepSpec) -> str | None:
    """Why `user` may not act on `spec` for a case in `village_code`; None when they may."""
    if not user.is_authenticated or not user.is_active:
        return _("请先登录")
    if user.is_admin:
        return None
    role = LEVEL_ROLES[spec.level]
    area = user.area_id or ""
    if user.role != role or len(area) != LEVELS[spec.level]:
        return _("“%(step)s”须由%(role)s办理") % {"step": spec.name, "role": role.label}
    if not village_code.startswith(area):
        return _("您只能办理本辖区的程序，该户不在您的辖区")
    return None


def maker_refusal(user: User, procedure: Procedure, spec: StepSpec) -> str | None:
    if spec.kind != "approval":
        return None
    makers = set(procedure.steps.values_list("actor_id", flat=True)) | {procedure.created_by_id}
    if user.pk in makers:
        return _("您提出或记录了本程序的前面步骤，不能审批（经办与审批须由不同的人）")
    return None


def wait_refusal(procedure: Procedure, *, on: dt.date) -> str | None:
    """A notice still running, or an objection not yet resolved."""
    if procedure.objections.filter(resolved_at__isnull=True).exists():
        return _("有未处理的异议，须先核查并记录结论，才能办理下一步")
    last = procedure.steps.order_by("-index").select_related("notice").first()
    if last is not None and last.notice is not None and on <= last.notice.end_date:
        return _("%(kind)s期至 %(end)s 结束，期满后才能办理下一步") % {
            "kind": last.notice.kind,
            "end": last.notice.end_date.isoformat(),
        }
    return None


def refusal_for(user: User, procedure: Procedure) -> str | None:
    """Why `user` cannot act on the procedure's current step now; None when they can."""
    spec = procedure.current_step
    if spec is None:
        return _("该程序已结束")
    return (
        level_refusal(user, procedure.village_id, spec)
        or maker_refusal(user, procedure, spec)
        or wait_refusal(procedure, on=today())
    )


# -- the engine's verdict -------------------------------------------------------------------------


def engine_verdict(kind: ProcedureType, household: Household, year: int) -> dict:
    """What the policy engine says of the household in `year` (`{}` for a type without a verdict)."""
    if not kind.verdict:
        return {}
    from fupin.policy.definition import PolicyError, for_year
    from fupin.policy.engine import explain
    from fupin.policy.selectors import household_facts

    try:
        policy = for_year(year)
    except PolicyError:
        return {"judged": False, "policy": "", "year": year}
    household = Household.objects.prefetch_related("members", "incomes").get(pk=household.pk)
    explanation = explain(policy, household_facts(household, year), year)
    if kind.verdict == "exit":
        judged = explanation.exit_eligible is not None
        ok = bool(judged and explanation.exit_eligible.verdict)
    else:
        judged = True
        ok = bool(explanation.below_line.verdict)
    return {
        "judged": judged,
        "ok": ok,
        "policy": policy.name,
        "year": year,
        "per_capita_income": None if explanation.per_capita is None else str(explanation.per_capita),
        "unmet": list(explanation.unmet),
    }


# -- the year -------------------------------------------------------------------------------------


def year_refusal(household: Household, year: int, *, on: dt.date) -> str | None:
    from fupin.policy.models import Snapshot

    if not isinstance(year, int) or not 2000 <= year <= 2100:
        return _("请填写四位年度")
    if year > on.year:
        return _("年度不能晚于今年（%(year)s 年）") % {"year": on.year}
    if year < household.identified_year:
        return _("不能倒签：该户 %(year)s 年才识别") % {"year": household.identified_year}
    last = (
        StatusChange.objects.filter(household=household)
        .order_by("-year")
        .values_list("year", flat=True)
        .first()
    )
    if last is not None and year < last:
        return _("不能倒签：该户已有 %(year)s 年的状态变更") % {"year": last}
    closed = [
        y
        for y, area in Snapshot.objects.filter(kind="year_close", locked=True, year__gte=year).values_list(
            "year", "area"
        )
        if household.village_id.startswith(area)
    ]
    if closed:
        return _("不能倒签：%(year)s 年的动态调整已经关账（锁定快照）") % {"year": max(closed)}
    return None


# -- validation of what a step records -----------------------------------------------------------


def _clean(spec: StepSpec, data: Mapping[str, Any], *, upload, previous: dt.date | None, on: dt.date) -> dict:
    cleaned: dict[str, Any] = {}
    for field in spec.fields:
        if field.type == "file":
            continue
        raw = data.get(field.name)
        text = "" if raw is None else str(raw).strip()
        if "\x00" in text or len(text) > MAX_TEXT:
            raise Refused(
                _("“%(field)s”最多%(n)s字，且不能含有控制字符") % {"field": field.label, "n": MAX_TEXT}
            )
        if field.type == "bool":
            if isinstance(raw, bool):
                cleaned[field.name] = raw
            elif text in ("1", "true", "yes", "是", "on"):
                cleaned[field.name] = True
            elif text in ("0", "false", "no", "否"):
                cleaned[field.name] = False
            else:
                raise Refused(_("请选择“%(field)s”") % {"field": field.label})
            continue
        if not text:
            if field.required:
                raise Refused(_("请填写“%(field)s”") % {"field": field.label})
            cleaned[field.name] = ""
            continue
        if field.type == "date":
            try:
                value = dt.date.fromisoformat(text)
            except ValueError:
                raise Refused(_("“%(field)s”请填写日期，如 2017-10-20") % {"field": field.label}) from None
            if value > on:
                raise Refused(_("“%(field)s”不能晚于今天") % {"field": field.label})
            if previous is not None and value < previous:
                raise Refused(
                    _("“%(field)s”不能早于上一步（%(date)s）")
                    % {"field": field.label, "date": previous.isoformat()}
                )
            cleaned[field.name] = value.isoformat()
        elif field.type == "int":
            if not text.isdigit() or len(text) > 6:
                raise Refused(_("“%(field)s”请填写整数") % {"field": field.label})
            cleaned[field.name] = int(text)
        elif field.type == "choice":
            if text not in field.choices:
                raise Refused(_("“%(field)s”请从列表中选择") % {"field": field.label})
            cleaned[field.name] = text
        else:
            cleaned[field.name] = text
    if spec.kind == "acceptance":
        accepted = cleaned.get("accepted")
        if accepted and upload is None:
            raise Refused(_("贫困户认可时，须上传签字的验收表"))
        if accepted is False and not cleaned.get("refusal"):
            raise Refused(_("贫困户不认可时，须记录其理由"))
    return cleaned


def _check_upload(upload) -> None:
    if upload is None:
        return
    from fupin.core.uploads import UploadRefused, check_upload

    try:
        check_upload(upload, kinds={"pdf", "image"})
    except UploadRefused as exc:
        raise Refused(str(exc), "upload") from None


def _previous_date(procedure: Procedure) -> dt.date | None:
    last = procedure.steps.order_by("-index").select_related("notice").first()
    if last is None:
        return None
    if last.notice is not None:
        return last.notice.end_date
    recorded = last.data.get("date")
    return dt.date.fromisoformat(recorded) if recorded else timezone.localtime(last.acted_at).date()


def _notice_dates(start: Any, end: Any, *, previous: dt.date | None) -> tuple[dt.date, dt.date]:
    try:
        start = start if isinstance(start, dt.date) else dt.date.fromisoformat(str(start or "").strip())
        end = end if isinstance(end, dt.date) else dt.date.fromisoformat(str(end or "").strip())
    except ValueError:
        raise Refused(_("请填写公示的开始和结束日期，如 2017-10-20")) from None
    if (end - start).days < NOTICE_MIN_DAYS:
        raise Refused(
            _("公示期不能少于 %(days)s 天（%(start)s 至 %(end)s 只有 %(n)s 天）")
            % {
                "days": NOTICE_MIN_DAYS,
                "start": start.isoformat(),
                "end": end.isoformat(),
                "n": (end - start).days,
            },
            "short_notice",
        )
    if previous is not None and start < previous:
        raise Refused(_("公示不能早于上一步（%(date)s）开始") % {"date": previous.isoformat()})
    return start, end


# -- starting a procedure -------------------------------------------------------------------------


def _create(
    definition: ProcedureType, household: Household, year: int, reason: str, verdict: dict, actor, on
) -> Procedure:
    return Procedure.objects.create(
        kind=definition.code,
        type_version=definition.version,
        household=household,
        village_id=household.village_id,
        year=year,
        reason=reason,
        verdict=verdict,
        created_by=actor,
        current=1,
        due_date=on + dt.timedelta(days=definition.steps[1].days) if len(definition.steps) > 1 else None,
    )


@transaction.atomic
def start(
    *,
    actor: User,
    household: Household,
    kind: str,
    year: int,
    data: Mapping[str, Any],
    reason: str = "",
    upload=None,
) -> Procedure:
    """Open a procedure and record its first step (the proposal). A household the engine does not
    find eligible can be proposed only with a written reason, which every later step shows."""
    definition = definitions.get(kind)
    spec = definition.steps[0]
    household = Household.objects.select_for_update().get(pk=household.pk)
    refusal = level_refusal(actor, household.village_id, spec)
    if (
        refusal
        and actor.role == Role.TOWN_OFFICE
        and actor.area_id
        and household.village_id.startswith(actor.area_id)
    ):
        refusal = None  # the town proposes from its 拟脱贫名单 as well as the village
    if refusal:
        raise Refused(refusal, "not_permitted")
    if household.status not in definition.from_status:
        raise Refused(
            _("该户当前状态为“%(status)s”，不能办理“%(kind)s”")
            % {"status": household.get_status_display(), "kind": definition.name},
            "bad_status",
        )
    if Procedure.objects.filter(household=household, state="open").exists():
        raise Refused(_("该户已有办理中的程序，须先办结"), "open_procedure")
    on = today()
    refusal = year_refusal(household, year, on=on)
    if refusal:
        raise Refused(refusal, "bad_year")
    verdict = engine_verdict(definition, household, year)
    reason = (reason or "").strip()
    if "\x00" in reason or len(reason) > MAX_TEXT:
        raise Refused(_("理由最多%(n)s字，且不能含有控制字符") % {"n": MAX_TEXT})
    if verdict and not verdict.get("ok") and not reason:
        raise Refused(
            _("政策引擎认为该户不符合条件，手工提出须填写书面理由（后续每一步的审批人都会看到）"), "reason"
        )
    _check_upload(upload)
    cleaned = _clean(spec, data, upload=upload, previous=None, on=on)
    try:
        with transaction.atomic():
            procedure = _create(definition, household, year, reason, verdict, actor, on)
    except IntegrityError:  # another open procedure was started for the household at the same moment
        raise Refused(_("该户已有办理中的程序，须先办结"), "open_procedure") from None
    step = Step.objects.create(procedure=procedure, index=0, code=spec.code, data=cleaned, actor=actor)
    if upload is not None:
        step.attachment.save(upload.name, upload, save=False)
        Step.objects.filter(pk=step.pk).update(attachment=step.attachment.name)
    audit.record(
        "procedures.start",
        "procedures.Procedure",
        procedure.pk,
        {
            "kind": kind,
            "household": household.household_no,
            "year": year,
            "hand_reason": bool(reason),
            "verdict": verdict,
        },
        actor=actor,
    )
    return procedure


# -- recording the next step ----------------------------------------------------------------------


def _lock(procedure_id: int) -> Procedure:
    return Procedure.objects.select_for_update().select_related("household", "village").get(pk=procedure_id)


@transaction.atomic
def act(
    *,
    actor: User,
    procedure: Procedure,
    step: str,
    data: Mapping[str, Any],
    upload=None,
    office: str = "",
) -> Step:
    """Record the procedure's current step `step` (the step code the user saw)."""
    seen = procedure.current
    procedure = _lock(procedure.pk)
    definition = procedure.definition
    if procedure.state != "open":
        raise Refused(
            _("该程序已结束（%(state)s），不能再办理") % {"state": procedure.get_state_display()}, "closed"
        )
    spec = definition.by_code(step)
    if spec is None:
        raise Refused(_("没有这个步骤"), "unknown_step")
    if procedure.current != seen or spec.index < procedure.current:
        done = procedure.steps.filter(code=step).select_related("actor").first()
        who = done.actor.get_full_name() or done.actor.get_username() if done else "?"
        raise Refused(
            _("“%(step)s”已由 %(who)s 办理，请刷新页面查看") % {"step": spec.name, "who": who}, "already_done"
        )
    if spec.index != procedure.current:
        raise Refused(
            _("步骤顺序不对：当前应办理“%(step)s”") % {"step": definition.steps[procedure.current].name},
            "out_of_order",
        )
    refusal = level_refusal(actor, procedure.village_id, spec) or maker_refusal(actor, procedure, spec)
    if refusal:
        raise Refused(refusal, "not_permitted")
    on = today()
    refusal = wait_refusal(procedure, on=on)
    if refusal:
        raise Refused(refusal, "waiting")
    previous = _previous_date(procedure)
    notice = None
    if spec.is_notice:
        start_date, end_date = _notice_dates(data.get("start_date"), data.get("end_date"), previous=previous)
        office = (office or data.get("office") or "").strip()
        if not office or len(office) > 60:
            raise Refused(_("请填写发布单位（最多60字）"))
        # The same 公示 (village, kind, year, dates, office) lists every household posted on it.
        notice, _created = Notice.objects.get_or_create(
            kind=spec.notice,
            village_id=procedure.village_id,
            year=procedure.year,
            start_date=start_date,
            end_date=end_date,
            office=office,
            defaults={"published_by": actor},
        )
        cleaned = {"start_date": start_date.isoformat(), "end_date": end_date.isoformat(), "office": office}
        audit.record(
            "procedures.notice",
            "procedures.Notice",
            notice.pk,
            {
                "kind": spec.notice,
                "village": procedure.village_id,
                "start": cleaned["start_date"],
                "end": cleaned["end_date"],
            },
            actor=actor,
        )
    else:
        _check_upload(upload)
        cleaned = _clean(spec, data, upload=upload, previous=previous, on=on)
    try:
        with transaction.atomic():
            recorded = Step.objects.create(
                procedure=procedure,
                index=spec.index,
                code=spec.code,
                data=cleaned,
                actor=actor,
                notice=notice,
            )
    except IntegrityError:
        raise Refused(
            _("“%(step)s”已由他人办理，请刷新页面查看") % {"step": spec.name}, "already_done"
        ) from None
    if upload is not None:
        recorded.attachment.save(upload.name, upload, save=False)
        Step.objects.filter(pk=recorded.pk).update(attachment=recorded.attachment.name)
    audit.record(
        "procedures.approve" if spec.kind == "approval" else "procedures.step",
        "procedures.Step",
        recorded.pk,
        {
            "procedure": procedure.pk,
            "step": spec.code,
            "household": procedure.household.household_no,
            "data": cleaned,
        },
        actor=actor,
    )
    _advance(actor, procedure, spec, cleaned, on=on, notice=notice)
    return recorded


def _advance(actor: User, procedure: Procedure, spec: StepSpec, cleaned: dict, *, on, notice) -> None:
    definition = procedure.definition
    ended = (spec.kind == "acceptance" and cleaned.get("accepted") is False) or (
        spec.kind == "approval" and cleaned.get("approved") is False
    )
    updated = Procedure.objects.filter(pk=procedure.pk, version=procedure.version)
    if ended:
        updated.update(
            state="refused", due_date=None, version=procedure.version + 1, completed_at=timezone.now()
        )
        audit.record(
            "procedures.refused", "procedures.Procedure", procedure.pk, {"step": spec.code}, actor=actor
        )
        return
    following = definition.step(spec.index + 1)
    if following is None:
        _complete(actor, procedure)
        return
    start_from = notice.end_date if notice is not None else on
    updated.update(
        current=spec.index + 1,
        due_date=start_from + dt.timedelta(days=following.days),
        version=procedure.version + 1,
    )


def _complete(actor: User, procedure: Procedure) -> None:
    """The last step is done: the household's status changes, with the procedure's year."""
    definition = procedure.definition
    household = Household.objects.select_for_update().get(pk=procedure.household_id)
    refusal = year_refusal(household, procedure.year, on=max(today(), dt.date(procedure.year, 1, 1)))
    if refusal:
        raise Refused(refusal, "bad_year")
    try:
        registry_services.change_status(
            actor=actor,
            household=household,
            to_status=definition.to_status,
            year=procedure.year,
            reason=_("%(kind)s程序 %(pk)s 办结") % {"kind": definition.name, "pk": procedure.pk},
            expected_version=household.version,
        )
    except registry_services.RegistryError as exc:
        raise Refused(str(exc), "registry") from None
    Procedure.objects.filter(pk=procedure.pk).update(
        state="completed", due_date=None, completed_at=timezone.now(), version=procedure.version + 1
    )
    audit.record(
        "procedures.complete",
        "procedures.Procedure",
        procedure.pk,
        {"household": household.household_no, "to_status": definition.to_status, "year": procedure.year},
        actor=actor,
    )


def amend_step(*, actor: User, step: Step, data: Mapping[str, Any]) -> None:
    """A recorded step is frozen: always refused (a correction is a procedure of its own)."""
    audit.record(
        "procedures.amend_refused", "procedures.Step", step.pk, {"procedure": step.procedure_id}, actor=actor
    )
    raise Refused(_("已办结的步骤已冻结，不能修改；如需更正，请发起更正程序"), "frozen")


def save_step(step: Step) -> None:
    """Used by code that would change a step: turns the model's FrozenStep into a refusal."""
    try:
        step.save()
    except FrozenStep:
        raise Refused(_("已办结的步骤已冻结，不能修改；如需更正，请发起更正程序"), "frozen") from None


# -- objections -----------------------------------------------------------------------------------


def _notice_of(procedure: Procedure) -> Notice | None:
    step = procedure.steps.filter(notice__isnull=False).order_by("-index").select_related("notice").first()
    return step.notice if step else None


@transaction.atomic
def record_objection(*, actor: User, procedure: Procedure, text: str, received: Any) -> Objection:
    """An objection received while the procedure's notice was posted (by the village or the town)."""
    procedure = _lock(procedure.pk)
    _area_refusal(actor, procedure)
    notice = _notice_of(procedure)
    if notice is None:
        raise Refused(_("该程序尚未公示，不能登记异议"))
    if procedure.state != "open":
        raise Refused(_("该程序已结束，不能登记异议"))
    text = (text or "").strip()
    if not text or "\x00" in text or len(text) > MAX_TEXT:
        raise Refused(_("请填写异议内容（最多%(n)s字）") % {"n": MAX_TEXT})
    try:
        day = received if isinstance(received, dt.date) else dt.date.fromisoformat(str(received).strip())
    except ValueError:
        raise Refused(_("请填写收到异议的日期，如 2017-10-20")) from None
    if day > today() or day < notice.start_date:
        raise Refused(_("收到日期须在公示开始之后、今天之前"))
    objection = Objection.objects.create(
        notice=notice, procedure=procedure, text=text, received=day, received_by=actor
    )
    audit.record(
        "procedures.objection", "procedures.Objection", objection.pk, {"procedure": procedure.pk}, actor=actor
    )
    return objection


def _area_refusal(actor: User, procedure: Procedure) -> None:
    if actor.is_admin:
        return
    if actor.role not in (Role.VILLAGE_CADRE, Role.TOWN_OFFICE) or not (
        actor.area_id and procedure.village_id.startswith(actor.area_id)
    ):
        raise Refused(_("您只能办理本辖区的程序，该户不在您的辖区"), "not_permitted")


@transaction.atomic
def resolve_objection(*, actor: User, objection: Objection, finding: str, upheld: bool) -> Objection:
    """Record the finding of an objection. An upheld objection ends the procedure (not passed)."""
    objection = Objection.objects.select_for_update().select_related("procedure").get(pk=objection.pk)
    procedure = objection.procedure
    _area_refusal(actor, procedure)
    if not objection.is_open:
        raise Refused(_("该异议已处理"), "already_done")
    finding = (finding or "").strip()
    if not finding or "\x00" in finding or len(finding) > MAX_TEXT:
        raise Refused(_("请填写核查结论（最多%(n)s字）") % {"n": MAX_TEXT})
    objection.finding = finding
    objection.upheld = bool(upheld)
    objection.resolved_by = actor
    objection.resolved_at = timezone.now()
    objection.save()
    audit.record(
        "procedures.objection_resolved",
        "procedures.Objection",
        objection.pk,
        {"procedure": procedure.pk, "upheld": bool(upheld)},
        actor=actor,
    )
    if upheld and procedure.state == "open":
        Procedure.objects.filter(pk=procedure.pk).update(
            state="refused", due_date=None, completed_at=timezone.now(), version=procedure.version + 1
        )
        audit.record(
            "procedures.refused",
            "procedures.Procedure",
            procedure.pk,
            {"objection": objection.pk},
            actor=actor,
        )
    return objection
