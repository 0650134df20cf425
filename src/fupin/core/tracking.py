"""Audit every create, change and delete of a model, whichever path wrote it (service, admin, shell)."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models.signals import post_delete, post_save

from . import audit

_SKIPPED = {"version", "updated_at", "created_at"}


class TrackedModel(models.Model):
    """Remembers the values loaded from the database, so a save can tell which fields changed."""

    class Meta:
        abstract = True

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        instance._loaded = dict(zip(field_names, values, strict=True))
        return instance

    def audit_label(self) -> str:
        return str(self.pk)

    def changed_fields(self) -> list[str]:
        loaded = getattr(self, "_loaded", None)
        if loaded is None:
            return []
        return sorted(
            name for name, old in loaded.items() if name not in _SKIPPED and getattr(self, name, None) != old
        )


def _on_save(sender: type[TrackedModel], instance: TrackedModel, created: bool, **kwargs: Any) -> None:
    if kwargs.get("raw"):
        return
    detail: dict[str, Any] = {"label": instance.audit_label()}
    if not created:
        detail["fields"] = instance.changed_fields()
    audit.record("create" if created else "update", sender._meta.label, instance.pk, detail)
    instance._loaded = {f.attname: getattr(instance, f.attname) for f in sender._meta.concrete_fields}


def _on_delete(sender: type[TrackedModel], instance: TrackedModel, **kwargs: Any) -> None:
    audit.record("delete", sender._meta.label, instance.pk, {"label": instance.audit_label()})


def track(model: type[TrackedModel]) -> None:
    uid = f"fupin-audit-{model._meta.label}"
    post_save.connect(_on_save, sender=model, dispatch_uid=uid + "-save")
    post_delete.connect(_on_delete, sender=model, dispatch_uid=uid + "-delete")
