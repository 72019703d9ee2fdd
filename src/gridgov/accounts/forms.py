from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _


class LoginForm(AuthenticationForm):
    error_messages = {
        **AuthenticationForm.error_messages,
        "locked": _("登录失败次数过多,账号已临时锁定,请稍后再试或联系管理员。"),
    }

    def clean(self) -> dict[str, Any]:
        try:
            return super().clean()
        except forms.ValidationError:
            if getattr(self.request, "gridgov_locked", False):
                raise forms.ValidationError(self.error_messages["locked"], code="locked") from None
            raise
