from typing import Any

from django import forms
from django.utils.text import slugify

from .textformat import MAX_BYTES


class TextImportForm(forms.Form):
    file = forms.FileField(
        help_text="A UTF-8 text file: chapter headings such as “15. Title”, one paragraph a "
        "line, then “Questions for Discussion” and the reading lists."
    )
    slug = forms.SlugField(
        required=False,
        help_text="Leave empty to use the file's name. An existing slug updates that text.",
    )
    title = forms.CharField(
        required=False, max_length=200, help_text="Leave empty to keep the current title."
    )

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data  # what super().clean() returns; typed as maybe None
        upload = cleaned.get("file")
        if upload is None:
            return cleaned
        if upload.size > MAX_BYTES:
            self.add_error("file", f"The file is larger than {MAX_BYTES // 1024 // 1024} MB.")
            return cleaned
        if not cleaned.get("slug"):
            cleaned["slug"] = slugify(upload.name.rsplit(".", 1)[0])
            if not cleaned["slug"]:
                self.add_error("slug", "The file's name gives no slug: enter one.")
        return cleaned
