"""Import jobs of the web upload: the file, its progress and its outcome."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ImportJob(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", _("排队中")
        RUNNING = "running", _("正在导入")
        SUCCEEDED = "succeeded", _("已导入")
        CHECKED = "checked", _("检查通过（未提交）")
        INVALID = "invalid", _("有错误，未导入")
        FAILED = "failed", _("导入失败")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("用户"), on_delete=models.PROTECT)
    # The background job that runs it (fupin.core.jobs): its progress while it runs.
    job = models.ForeignKey("core.Job", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    filename = models.CharField(_("文件名"), max_length=200)
    directory = models.CharField(max_length=300)  # under MEDIA_ROOT: the upload, report and marked copy
    source = models.CharField(max_length=300)  # the uploaded file or folder of CSV files, in `directory`
    dry_run = models.BooleanField(_("只检查不提交"), default=False)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    stage = models.CharField(_("阶段"), max_length=20, blank=True)
    done = models.PositiveIntegerField(default=0)
    counts = models.JSONField(default=dict, blank=True)
    changes = models.JSONField(default=dict, blank=True)
    error_count = models.PositiveIntegerField(default=0)
    error_counts = models.JSONField(default=dict, blank=True)  # sheet → number of errors
    errors = models.JSONField(default=list, blank=True)  # the first errors of each sheet, for the page
    message = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("导入任务")
        verbose_name_plural = _("导入任务")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.filename} ({self.get_status_display()})"

    @property
    def finished(self) -> bool:
        return self.status not in (self.Status.QUEUED, self.Status.RUNNING)
