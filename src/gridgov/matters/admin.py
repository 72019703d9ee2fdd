"""The matter list in the admin: categories (each save writes a version), change applications with approve /
reject / publish actions, and the read-only version history. The model refuses grid-assignable licensing,
penalty and enforcement matters, so the forms here show its message on the field."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from . import services
from .models import ChangeStatus, MatterCategory, MatterChange, MatterVersion, local_today


class ChildInline(admin.TabularInline):
    model = MatterCategory
    fk_name = "parent"
    fields = ("code", "name", "kind", "grid_assignable", "default_tier", "is_active")
    readonly_fields = ("code", "name", "kind", "grid_assignable", "default_tier", "is_active")
    extra = 0
    can_delete = False
    show_change_link = True
    verbose_name = _("小类")
    verbose_name_plural = _("小类")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(MatterCategory)
class MatterCategoryAdmin(admin.ModelAdmin):
    list_display = [
        "code",
        "name",
        "parent",
        "kind",
        "owner_unit_kind",
        "default_tier",
        "grid_assignable",
        "handle_limit",
        "handle_limit_unit",
        "is_active",
        "published_on",
        "is_temporary",
        "ends_on",
    ]
    list_filter = ["kind", "grid_assignable", "is_active", "is_temporary", "default_tier", "owner_unit_kind"]
    search_fields = ["code", "name"]
    list_select_related = ["parent"]
    autocomplete_fields = ["parent", "approved_by"]
    fieldsets = [
        (None, {"fields": ["code", "name", "parent", "kind", "owner_unit_kind", "default_tier"]}),
        (_("准入"), {"fields": ["grid_assignable", "self_settle_allowed", "is_active", "published_on"]}),
        (
            _("时限"),
            {
                "fields": [
                    ("accept_limit", "accept_limit_unit"),
                    ("sign_limit", "sign_limit_unit"),
                    ("handle_limit", "handle_limit_unit"),
                    ("verify_limit", "verify_limit_unit"),
                ]
            },
        ),
        (_("临时事项"), {"fields": ["is_temporary", "approved_by", "ends_on"]}),
    ]
    inlines = [ChildInline]

    def save_model(self, request: HttpRequest, obj: MatterCategory, form: Any, change: bool) -> None:
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            # A direct edit is a published change too: keep the history complete.
            services.record_version(obj, local_today())


class MatterChangeForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = MatterChange
        fields = ["category", "fields", "reason", "effective_on", "proposer_unit", "review_note"]

    def clean(self) -> dict[str, Any]:
        data: dict[str, Any] = super().clean() or {}
        if self.instance.pk is None and not self.errors:
            try:
                services.validate_proposal(data.get("category"), data.get("fields") or {})
            except ValidationError as exc:
                # Name the offending field inside the JSON on the JSON field itself.
                for name, messages_ in exc.message_dict.items():
                    target = name if name in self.fields else "fields"
                    for message in messages_:
                        self.add_error(target, f"{name}: {message}" if target != name else message)
        return data


@admin.register(MatterChange)
class MatterChangeAdmin(admin.ModelAdmin):
    form = MatterChangeForm
    list_display = ["id", "category", "proposer", "proposer_unit", "status", "effective_on", "reviewer", "proposed_at"]
    list_filter = ["status", "effective_on"]
    search_fields = ["category__code", "category__name", "reason"]
    list_select_related = ["category", "proposer", "proposer_unit", "reviewer"]
    autocomplete_fields = ["category", "proposer_unit"]
    actions = ["approve", "reject", "publish_due"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        fixed = ["status", "proposer", "reviewer", "reviewed_at", "published_at", "proposed_at"]
        if obj is None:
            return fixed
        editable = ["review_note"] if obj.status == ChangeStatus.PROPOSED else []
        return fixed + [f for f in MatterChangeForm.Meta.fields if f not in editable]

    def save_model(self, request: HttpRequest, obj: MatterChange, form: Any, change: bool) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        created = services.propose_change(
            by=request.user,
            category=obj.category,
            fields=obj.fields,
            reason=obj.reason,
            effective_on=obj.effective_on,
            unit=obj.proposer_unit,
        )
        obj.pk = created.pk
        obj.proposer = created.proposer
        obj.status = created.status

    @admin.action(description=_("批准所选申请"))
    def approve(self, request: HttpRequest, queryset: QuerySet[MatterChange]) -> None:
        self._review(request, queryset, approve=True)

    @admin.action(description=_("驳回所选申请(须先填写审核意见)"))
    def reject(self, request: HttpRequest, queryset: QuerySet[MatterChange]) -> None:
        self._review(request, queryset, approve=False)

    def _review(self, request: HttpRequest, queryset: QuerySet[MatterChange], *, approve: bool) -> None:
        done = 0
        for change in queryset.filter(status=ChangeStatus.PROPOSED):
            try:
                if approve:
                    services.approve_change(change, by=request.user, note=change.review_note)
                else:
                    services.reject_change(change, by=request.user, note=change.review_note)
            except (ValidationError, PermissionDenied) as exc:
                text = "; ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
                self.message_user(request, f"#{change.pk}: {text}", messages.ERROR)
                continue
            done += 1
        if done:
            self.message_user(
                request,
                ngettext("已处理 %(n)d 条申请。", "已处理 %(n)d 条申请。", done) % {"n": done},
                messages.SUCCESS,
            )

    @admin.action(description=_("发布到期的已批准申请"))
    def publish_due(self, request: HttpRequest, queryset: QuerySet[MatterChange]) -> None:
        published = services.publish_due_changes()
        self.message_user(
            request,
            ngettext("已发布 %(n)d 条申请。", "已发布 %(n)d 条申请。", len(published)) % {"n": len(published)},
            messages.SUCCESS,
        )


@admin.register(MatterVersion)
class MatterVersionAdmin(admin.ModelAdmin):
    list_display = ["category", "valid_from", "valid_to", "change", "created_at"]
    list_filter = ["valid_from"]
    search_fields = ["category__code", "category__name"]
    list_select_related = ["category", "change"]
    readonly_fields = ["category", "data", "valid_from", "valid_to", "change", "created_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
