from decimal import Decimal

from django import template
from django.utils.html import format_html
from django.utils.translation import gettext as _

from fupin.core.money import yuan as format_yuan

register = template.Library()


@register.filter
def yuan(value):
    return format_yuan(value)


@register.filter
def percent(value):
    if value is None:
        return "—"
    return f"{(Decimal(value) * 100).quantize(Decimal('0.01'))}%"


@register.simple_tag
def verdict(value, yes=None, no=None):
    if value is None:
        return "—"
    if value:
        return format_html('<span class="badge text-bg-success">{}</span>', yes or _("是"))
    return format_html('<span class="badge text-bg-secondary">{}</span>', no or _("否"))


@register.simple_tag
def slider_label(name):
    return {
        "poverty_line": _("贫困线（元，2014年不变价）"),
        "household_exit_ratio": _("户脱贫收入比例（占全省农村居民人均可支配收入）"),
        "village_income_line": _("相对贫困村收入线（元，2014年不变价）"),
        "village_poor_share": _("相对贫困村贫困人口占比"),
        "village_exit_ratio": _("村出列收入比例（占全省农村居民人均可支配收入）"),
        "fiscal_input_per_person": _("人均财政投入（元）"),
    }.get(name, name)


@register.filter
def code_label(code, list_name):
    """The (translated) label of a code of one of `core.codes`' lists, e.g. `m.school_status|code_label:"SCHOOL_STATUS"`."""
    from fupin.core import codes

    label = getattr(codes, list_name).label(code)
    return _(label) if label else "—"
