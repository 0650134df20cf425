"""The explanation in words: each condition as a sentence with its inputs, threshold and answer."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext as _

from fupin.core.money import yuan

from .conditions import Result
from .definition import Policy


def unmet_labels() -> dict[str, str]:
    return {
        "income": _("收入未达标"),
        "safety_net": _("未全部纳入低保或特困供养"),
        "education": _("义务教育未保障"),
        "medical": _("基本医疗保险未全覆盖"),
        "housing": _("住房不安全"),
        "water": _("饮水不安全"),
    }


@dataclass
class Line:
    text: str
    verdict: bool
    relevant: bool
    code: str | None = None
    children: list[Line] = field(default_factory=list)


def _answer(verdict: bool) -> str:
    return _("是") if verdict else _("否")


def _percent(ratio: Decimal) -> str:
    return f"{(ratio * 100).normalize():f}%"


def sentence(result: Result, policy: Policy) -> str:
    name = result.node.name
    outcome = result.outcome
    assert outcome is not None
    i = outcome.inputs
    answer = _answer(outcome.verdict)
    if name in ("income_below_line", "village_income_below_line") and not policy.lines_indexed:
        return _("人均可支配收入 %(pc)s 元 < %(line)s 元（按原值使用，不按价格指数折算）？%(answer)s") % {
            "pc": yuan(i["per_capita"]),
            "line": yuan(outcome.threshold),
            "answer": answer,
        }
    if name in ("income_below_line", "village_income_below_line"):
        base = policy.number("poverty_line" if name == "income_below_line" else "village_income_line")
        return _(
            "人均可支配收入 %(pc)s 元 < %(line)s 元（2014年不变价 %(base)s 元 × 价格指数 %(index)s ÷ 100）？%(answer)s"
        ) % {
            "pc": yuan(i["per_capita"]),
            "line": yuan(outcome.threshold),
            "base": yuan(base),
            "index": i["price_index"],
            "answer": answer,
        }
    if name == "income_exit" and i.get("method") == "yearly_standard":
        return _("人均可支配收入 %(pc)s 元 ≥ %(threshold)s 元（当年脱贫标准）？%(answer)s") % {
            "pc": yuan(i["per_capita"]),
            "threshold": yuan(outcome.threshold),
            "answer": answer,
        }
    if name in ("income_exit", "village_income_exit"):
        ratio = policy.number("household_exit_ratio" if name == "income_exit" else "village_exit_ratio")
        return _(
            "人均可支配收入 %(pc)s 元 ≥ %(threshold)s 元（全省农村居民人均可支配收入 %(prov)s 元 × %(ratio)s）？%(answer)s"
        ) % {
            "pc": yuan(i["per_capita"]),
            "threshold": yuan(outcome.threshold),
            "prov": yuan(i["provincial_income"]),
            "ratio": _percent(ratio),
            "answer": answer,
        }
    if name == "labour_capable":
        return _(
            "有劳动能力（普通或技能劳动力）的成员 %(n)s 人，共 %(members)s 人：有劳动能力？%(answer)s"
        ) % {
            "n": i["capable"],
            "members": i["members"],
            "answer": answer,
        }
    if name == "safety_net":
        return _("享受低保或特困供养的成员 %(covered)s / %(members)s 人：全部兜底？%(answer)s") % {
            "covered": i["covered"],
            "members": i["members"],
            "answer": answer,
        }
    if name == "education":
        band = (
            _("大于 %(min)s 周岁、不超过 %(max)s 周岁")
            if i.get("min_exclusive")
            else _("%(min)s–%(max)s 周岁")
        ) % {"min": i["min_age"], "max": i["max_age"]}
        return _(
            "义务教育年龄（%(band)s，以 %(date)s 计）成员 %(n)s 人，未在校 %(out)s 人：全部在校？%(answer)s"
        ) % {
            "band": band,
            "date": i["reference_date"].isoformat(),
            "n": i["school_age"],
            "out": i["out_of_school"],
            "answer": answer,
        }
    if name == "medical":
        return _("参加基本医疗保险 %(insured)s / %(members)s 人：全部参保？%(answer)s") % {
            "insured": i["insured"],
            "members": i["members"],
            "answer": answer,
        }
    if name == "housing":
        return _("住房安全？%(answer)s") % {"answer": answer}
    if name == "water":
        return _("饮水安全？%(answer)s") % {"answer": answer}
    if name == "village_poor_share":
        return _("贫困人口 %(poor)s 人 ÷ 户籍人口 %(registered)s 人 ≥ %(share)s？%(answer)s") % {
            "poor": i["poor_persons"],
            "registered": i["registered_population"] if i["registered_population"] is not None else "—",
            "share": _percent(outcome.threshold),
            "answer": answer,
        }
    return f"{name}？{answer}"


def lines(result: Result, policy: Policy, *, prefix: str = "") -> Line:
    op = result.node.op
    if op == "leaf":
        text = sentence(result, policy)
        code = result.condition.code if result.condition else None
        return Line(prefix + text, result.verdict, result.relevant, code)
    heading = {
        "all": _("以下条件全部满足？%(answer)s"),
        "any": _("以下条件至少一项满足？%(answer)s"),
        "not": _("以下条件不成立？%(answer)s"),
        "if": _("按条件分路径：%(answer)s"),
    }[op] % {"answer": _answer(result.verdict)}
    if op == "if":
        labels = [_("条件："), _("成立时："), _("不成立时：")]
        children = [lines(c, policy, prefix=label) for c, label in zip(result.children, labels, strict=True)]
    else:
        children = [lines(c, policy) for c in result.children]
    return Line(prefix + heading, result.verdict, result.relevant, None, children)
