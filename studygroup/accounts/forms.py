from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm, UserCreationForm
from django.core.cache import cache

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
        fields = ["display_name", "email", "email_notifications"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["email"].required = True


class ThrottledLoginForm(AuthenticationForm):
    """Django's log-in form, refusing further tries after repeated failures.

    Failures count per user name and per address, in the shared cache, for a quarter of an
    hour; the message is the same whether or not the account exists.
    """

    error_messages = {
        **AuthenticationForm.error_messages,
        "throttled": "Too many failed log-ins. Wait 15 minutes, or reset your password.",
    }

    def _keys(self) -> list[str]:
        username = (self.data.get("username") or "").strip().lower()
        address = self.request.META.get("REMOTE_ADDR", "") if self.request else ""
        return [f"login-fail:user:{username}", f"login-fail:addr:{address}"]

    @property
    def throttled(self) -> bool:
        limit = settings.LOGIN_THROTTLE["attempts"]
        counts = cache.get_many(self._keys())
        user_key, addr_key = self._keys()
        return counts.get(user_key, 0) >= limit or counts.get(addr_key, 0) >= limit * 4

    def clean(self):
        if self.throttled:
            raise forms.ValidationError(self.error_messages["throttled"], code="throttled")
        try:
            return super().clean()
        except forms.ValidationError:
            for key in self._keys():
                cache.add(key, 0, settings.LOGIN_THROTTLE["seconds"])
                cache.incr(key)
            raise
