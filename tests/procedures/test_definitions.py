"""Procedure types are data: the shipped files load, a broken file is refused, every word is translatable."""

from __future__ import annotations

import pytest

from fupin.procedures import definitions
from fupin.procedures.labels import LABELS


def test_the_shipped_types_load_with_their_steps():
    types = definitions.types()
    assert set(types) >= {"exit", "return", "removal"}
    exit_type = types["exit"]
    assert [s.code for s in exit_type.steps] == [
        "proposal",
        "village_review",
        "verification",
        "acceptance",
        "notice",
        "town_approval",
        "announcement",
    ]
    assert exit_type.to_status == "exited" and exit_type.from_status == ("registered", "returned")
    assert (
        exit_type.by_code("town_approval").kind == "approval" and exit_type.by_code("notice").notice == "公示"
    )
    assert definitions.NOTICE_MIN_DAYS == 7


@pytest.mark.parametrize(
    "change, message",
    [
        ({"level": "province"}, "unknown level"),
        ({"kind": "vote"}, "unknown kind"),
        ({"kind": "notice"}, "公示 or 公告"),
        ({"kind": "approval", "fields": []}, "yes/no field"),
        ({"fields": [{"name": "x", "label": "X", "type": "float"}]}, "unknown field type"),
    ],
)
def test_a_broken_type_is_refused(change, message):
    step = {"code": "s", "name": "步骤", "level": "village", **change}
    data = {
        "code": "t",
        "name": "T",
        "version": "1",
        "from_status": ["registered"],
        "to_status": "exited",
        "steps": [{"code": "p", "name": "提出", "level": "village"}, step],
    }
    with pytest.raises(definitions.DefinitionError, match=message):
        definitions.parse(data)


def test_every_word_of_the_types_is_marked_for_translation():
    words = set()
    for kind in definitions.types().values():
        words |= {kind.name, kind.change_label}
        for step in kind.steps:
            words |= {step.name, step.notice} | {f.label for f in step.fields}
            words |= {c for f in step.fields for c in f.choices}
    assert words - {""} <= set(LABELS)
