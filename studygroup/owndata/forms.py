from typing import Any

from django import forms

from studygroup.accounts.models import User


class DeleteAccountForm(forms.Form):
    password = forms.CharField(
        label="Your password", widget=forms.PasswordInput, help_text="To be sure it is you."
    )
    erase_posts = forms.BooleanField(
        required=False,
        label="Also erase the text of everything I wrote",
        help_text="Otherwise your posts stay, shown as from a former member, so the "
        "discussions keep their sense.",
    )

    def __init__(self, user: User, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError("That is not your password.")
        return password
