"""Form helpers shared by the apps' web forms.

Web forms only collect what the user typed; the rules live in each app's validation and services,
so a form shows the same Chinese message the workbook import and the API give for the same mistake.
"""

from __future__ import annotations

from collections.abc import Iterable

from django import forms
from django.utils.translation import gettext_lazy as _

YES_NO_CHOICES = [("", "—"), ("1", _("是")), ("0", _("否"))]


class RawChoiceField(forms.ChoiceField):
    """A select whose value goes to the service unchecked: the service names an unknown code."""

    def __init__(self, *, choices, required: bool = False, **kwargs):
        super().__init__(choices=[("", "—"), *choices], required=False, **kwargs)
        self.marked_required = required

    def valid_value(self, value) -> bool:
        return True


class RawMultipleChoiceField(forms.MultipleChoiceField):
    widget = forms.CheckboxSelectMultiple

    def __init__(self, *, choices, **kwargs):
        super().__init__(choices=choices, required=False, **kwargs)

    def valid_value(self, value) -> bool:
        return True


def yes_no(label, *, required: bool = False) -> RawChoiceField:
    field = RawChoiceField(choices=YES_NO_CHOICES[1:], label=label, required=required)
    return field


def text(label, *, required: bool = False, max_length: int | None = None, **kwargs) -> forms.CharField:
    # No max_length check here: the service reports an over-long value with its own message.
    field = forms.CharField(label=label, required=False, **kwargs)
    field.marked_required = required
    if max_length:
        field.widget.attrs["maxlength"] = str(max_length)
    return field


def yes_no_text(value: bool | None) -> str:
    """A stored boolean as the value of a yes/no select."""
    return "" if value is None else ("1" if value else "0")


class StyleMixin:
    """Bootstrap classes on every widget, invalid fields marked, service problems put on fields."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxSelectMultiple | forms.CheckboxInput):
                widget.attrs.setdefault("class", "form-check-input")
            elif isinstance(widget, forms.Select):
                widget.attrs.setdefault("class", "form-select")
            elif not isinstance(widget, forms.HiddenInput):
                widget.attrs.setdefault("class", "form-control")
            if getattr(field, "marked_required", False) or field.required:
                widget.attrs["aria-required"] = "true"

    def add_error(self, field, error) -> None:
        super().add_error(field, error)
        for name in self.errors:
            widget = self.fields[name].widget if name in self.fields else None
            if widget is not None and "is-invalid" not in widget.attrs.get("class", ""):
                widget.attrs["class"] = f"{widget.attrs.get('class', '')} is-invalid".strip()
                widget.attrs["aria-invalid"] = "true"

    def add_problem(self, field: str, message: str) -> None:
        """Attach a service problem to its field, or to the form when no field shows it."""
        if field in self.fields and not isinstance(self.fields[field].widget, forms.HiddenInput):
            self.add_error(field, message)
        else:
            self.add_error(None, message)


class StyledForm(StyleMixin, forms.Form):
    def raw(self, names: Iterable[str] | None = None) -> dict:
        names = list(names) if names is not None else list(self.fields)
        return {name: self.cleaned_data.get(name) for name in names if name in self.cleaned_data}
