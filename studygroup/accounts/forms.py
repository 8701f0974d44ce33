from typing import Any

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm, UserCreationForm

from studygroup.core import ratelimit

from .models import User


class DisplayNameMixin:
    cleaned_data: dict[str, Any]  # the form's, which this mixes into

    def clean_display_name(self) -> str:
        # One line: it goes into page headings and e-mail subjects.
        name = " ".join(self.cleaned_data["display_name"].split())
        if not name:
            raise forms.ValidationError("Give a name the others will know you by.")
        return name


class SignupForm(DisplayNameMixin, UserCreationForm):
    class Meta:
        model = User
        fields = ["username", "display_name", "email"]
        help_texts = {"display_name": "The name the other members of your groups see."}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["email"].required = True
        self.fields["email"].help_text = "For password resets and, if you like, notifications."
        self.fields["display_name"].required = True


class ProfileForm(DisplayNameMixin, forms.ModelForm):
    class Meta:
        model = User
        fields = ["display_name", "email", "email_choice"]
        widgets = {"email_choice": forms.RadioSelect}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["email"].required = True


THROTTLED = "Too many failed log-ins. Wait %(wait)s, or reset your password."


class LoginThrottle(AuthenticationForm):
    """A log-in form's clean(), refusing further tries after repeated failures.

    Failures count per account (the user name as typed, in any case) and per client
    address, each with its own limit (settings.RATE_LIMITS "login_account" and
    "login_address"). A try counts before its password is checked, so that guesses sent
    all at once cannot all get through, and is taken back when the password was right.
    The refusal reads the same whether or not the account exists.
    """

    retry_after: int | None = None  # seconds, once refused

    def clean(self) -> dict[str, Any]:
        username = self.cleaned_data.get("username")
        if username is None or not self.cleaned_data.get("password"):
            return super().clean()  # a field is missing: no password is checked
        limits = [
            ("login_account", login_account_key(username)),
            ("login_address", ratelimit.client_address(self.request) if self.request else ""),
        ]
        if wait := ratelimit.attempt(*limits):
            self.retry_after = wait
            minutes = ratelimit.minutes(wait)
            raise forms.ValidationError(
                self.error_messages["throttled"],
                code="throttled",
                params={"wait": f"{minutes} minute{'s' if minutes != 1 else ''}"},
            )
        cleaned_data = super().clean()  # a wrong password raises: its try stays counted
        for limit in limits:
            ratelimit.unhit(*limit)
        return cleaned_data


def login_account_key(username: str) -> str:
    return username.casefold()


def forget_login_failures(username: str) -> None:
    """A fresh start for an account whose password was just reset, as THROTTLED promises."""
    ratelimit.clear("login_account", login_account_key(username))


class ThrottledLoginForm(LoginThrottle):
    error_messages = {**AuthenticationForm.error_messages, "throttled": THROTTLED}


class ThrottledAdminLoginForm(LoginThrottle, AdminAuthenticationForm):
    """The admin's log-in, throttled alike: it guards the accounts most worth guessing."""

    error_messages = {**AdminAuthenticationForm.error_messages, "throttled": THROTTLED}
