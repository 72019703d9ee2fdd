"""The import wizard under /registry/import/: choose a kind, download its template, upload a file; the job page
shows the validation's progress (htmx polls every second while the job runs), the dry-run summary with a Confirm
button, the commit's progress and result, and the error file; the index lists my recent jobs.

A job and its error file are shown only to the user who uploaded it (it is their own data); anyone else gets 404.
Users without the ``importjob`` add permission get 403 on every page."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ..importing import (
    XLSX_CONTENT_TYPE,
    build_template,
    confirm_job,
    create_job,
    importable_kinds,
    may_import,
    require_kind,
    template_filename,
)
from ..models import ImportJob, ImportKind, ImportStatus
from .common import apply_errors, render_page

RECENT_JOBS = 20
RUNNING = (ImportStatus.UPLOADED, ImportStatus.VALIDATING, ImportStatus.COMMITTING)


class UploadForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("导入类别"), choices=ImportKind.choices, widget=forms.RadioSelect)
    file = forms.FileField(
        label=gettext_lazy("文件"),
        help_text=gettext_lazy("Excel(.xlsx)或 CSV(UTF-8 或 GB18030 编码),第一行为模板的列名。"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
    )

    def __init__(self, *args: Any, kinds: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.kinds = [(value, label) for value, label in ImportKind.choices if value in kinds]


def _require_importer(request: HttpRequest) -> None:
    if not may_import(request.user):
        raise PermissionDenied(_("您没有导入数据的权限。"))


def _my_job(request: HttpRequest, pk: Any) -> ImportJob:
    _require_importer(request)
    return get_object_or_404(ImportJob.objects.select_related("created_by"), pk=pk, created_by_id=request.user.pk)


def job_context(job: ImportJob) -> dict[str, Any]:
    resumable = job.status == ImportStatus.FAILED and job.summary.get("phase") == "commit"
    return {
        "job": job,
        "running": job.status in RUNNING,
        "resumable": resumable,
        "may_confirm": job.status == ImportStatus.VALIDATED and job.valid_rows > 0,
        "first_errors": job.summary.get("errors", []),
        "more_errors": max(0, int(job.summary.get("error_count", 0)) - len(job.summary.get("errors", []))),
    }


@login_required
def import_index(request: HttpRequest) -> HttpResponse:
    _require_importer(request)
    # Only the kinds this user may import are offered (a centre changes no houses: no house import for it).
    kinds = importable_kinds(request.user)
    status = 200
    if request.method == "POST":
        form = UploadForm(request.POST, request.FILES, kinds=kinds)
        status = 400
        if form.is_valid():
            try:
                job = create_job(
                    by=request.user,
                    kind=form.cleaned_data["kind"],
                    upload=form.cleaned_data["file"],
                    language=get_language(),
                )
            except ValidationError as exc:
                apply_errors(form, exc)
            except PermissionDenied as exc:  # a kind not offered, posted anyway
                form.add_error("kind", str(exc))
                status = 403
            else:
                return redirect("registry:import-job", pk=job.pk)
    else:
        wanted = request.GET.get("kind")
        initial = wanted if wanted in kinds else (kinds[0] if kinds else "")
        form = UploadForm(initial={"kind": initial}, kinds=kinds)
    jobs = ImportJob.objects.filter(created_by_id=request.user.pk).order_by("-created_at")[:RECENT_JOBS]
    return render_page(
        request, "registry/import_index.html", {"form": form, "jobs": jobs, "kinds": form.kinds}, status=status
    )


@login_required
def import_template(request: HttpRequest, kind: str) -> HttpResponse:
    _require_importer(request)
    if kind not in ImportKind.values:
        raise Http404
    require_kind(request.user, kind)
    response = HttpResponse(build_template(kind, request.user), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{template_filename(kind)}"'
    return response


@login_required
def import_job(request: HttpRequest, pk: Any) -> HttpResponse:
    job = _my_job(request, pk)
    return render_page(request, "registry/import_job.html", job_context(job))


@login_required
def import_job_status(request: HttpRequest, pk: Any) -> HttpResponse:
    """The status block alone, for htmx polling (it stops polling once the job no longer runs)."""
    job = _my_job(request, pk)
    response = render_page(request, "registry/import_job_status.html", job_context(job))
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def import_confirm(request: HttpRequest, pk: Any) -> HttpResponse:
    job = _my_job(request, pk)
    try:
        confirm_job(by=request.user, job=job)
    except ValidationError as exc:
        from django.contrib import messages

        for message in exc.messages:
            messages.error(request, message)
    return redirect(reverse("registry:import-job", kwargs={"pk": job.pk}))


@login_required
def import_errors(request: HttpRequest, pk: Any) -> FileResponse:
    job = _my_job(request, pk)
    if not job.error_file:
        raise Http404
    stem = job.filename.rsplit(".", 1)[0]
    response = FileResponse(
        job.error_file.open("rb"),
        as_attachment=True,
        filename=_("%(f)s-错误清单.xlsx") % {"f": stem},
        content_type=XLSX_CONTENT_TYPE,
    )
    response["Cache-Control"] = "no-store"
    return response
