from __future__ import annotations

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from yanglao.core.forms import StyledForm, StyledFormMixin

from .roles import Role, grantable_roles


class LoginForm(StyledFormMixin, AuthenticationForm):
    error_messages = {
        "invalid_login": _("账号或密码不正确。连续失败 5 次，账号将被锁定 30 分钟。"),
        "inactive": _("该账号已停用，请联系管理员。"),
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].label = _("账号")
        self.fields["password"].label = _("密码")


def role_choices(actor) -> list[tuple[str, str]]:
    allowed = set(grantable_roles(actor.role))
    return [(value, label) for value, label in Role.choices if value in allowed]


class UserForm(StyledForm):
    username = forms.CharField(
        label=_("账号"), max_length=150, help_text=_("字母、数字和 @ . + - _")
    )
    full_name = forms.CharField(label=_("姓名"), max_length=50, required=False)
    phone = forms.CharField(label=_("手机号"), max_length=20, required=False)
    region = forms.CharField(
        label=_("所属区划代码"),
        max_length=15,
        help_text=_("12 位村(社区)、9 位乡镇、6 位县级代码等；须在您的辖区内"),
    )
    role = forms.ChoiceField(label=_("角色"))
    password = forms.CharField(
        label=_("初始密码"),
        required=False,
        widget=forms.PasswordInput,
        help_text=_("留空则自动生成，并只显示一次"),
    )

    def __init__(self, *args, actor, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = role_choices(actor)
        if editing:
            del self.fields["password"]
            self.fields["username"].disabled = True


class PasswordChangeForm(StyledForm):
    old_password = forms.CharField(label=_("原密码"), widget=forms.PasswordInput)
    new_password = forms.CharField(
        label=_("新密码"),
        widget=forms.PasswordInput,
        help_text=_("至少 8 位，包含小写字母、大写字母、数字、符号中的至少 3 类，不能是常见密码"),
    )
    new_password2 = forms.CharField(label=_("再次输入新密码"), widget=forms.PasswordInput)

    def clean(self):
        data = super().clean()
        if data.get("new_password") and data.get("new_password") != data.get("new_password2"):
            self.add_error("new_password2", _("两次输入的新密码不一致"))
        return data


class OtpForm(StyledForm):
    token = forms.CharField(
        label=_("6 位动态码"),
        max_length=6,
        min_length=6,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}),
    )
