import base64
import hashlib
from typing import Any

from django import forms
from django.core import signing
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


class ImportPlanForm(forms.Form):
    """The preview's form: the uploaded file travels with it (so the import applied is of
    the file previewed), with the admin's choices and a signed digest of the plan shown."""

    plan = forms.CharField(widget=forms.HiddenInput, initial="1")
    file_data = forms.CharField(widget=forms.HiddenInput, strip=False)
    name = forms.CharField(widget=forms.HiddenInput)
    slug = forms.SlugField(widget=forms.HiddenInput)
    title = forms.CharField(widget=forms.HiddenInput, required=False)
    shown = forms.CharField(widget=forms.HiddenInput, required=False)
    allow_removals = forms.BooleanField(
        required=False,
        label="Retire the removed parts that something hangs on",
        help_text="They leave the text's lists and the choices for new meetings; their "
        "answers, comments and assignments stay, readable where they were.",
    )

    SALT = "content.import-plan"

    @classmethod
    def for_upload(cls, data: bytes, slug: str, title: str) -> "ImportPlanForm":
        form = cls(
            {
                "plan": "1",
                "file_data": base64.b64encode(data).decode(),
                "name": slug,
                "slug": slug,
                "title": title,
            }
        )
        form.is_valid()
        return form

    def clean_file_data(self) -> bytes:
        try:
            return base64.b64decode(self.cleaned_data["file_data"], validate=True)
        except ValueError:
            raise forms.ValidationError(
                "The file did not come back whole: upload it again."
            ) from None

    def pairs(self) -> dict[int, int]:
        """question id → its position in the file, from the preview's "same question as"."""
        chosen = {}
        for key, value in self.data.items():
            if key.startswith("pair_") and value:
                try:
                    chosen[int(key.removeprefix("pair_"))] = int(value)
                except ValueError:
                    continue
        return chosen

    def import_arguments(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "slug": data["slug"],
            "data": data["file_data"],
            "title": data["title"] or None,
            "allow_removals": data["allow_removals"],
            "pairs": self.pairs(),
        }

    @staticmethod
    def digest(report: Any) -> str:
        return hashlib.sha256("\n".join(report.lines()).encode()).hexdigest()

    def saw(self, report: Any) -> bool:
        """Whether the plan the admin saw is this one (same file, choices and database)."""
        try:
            shown = signing.loads(self.cleaned_data["shown"], salt=self.SALT, max_age=86400)
        except signing.BadSignature:
            return False
        return shown == self.digest(report)

    def refreshed(self, report: Any, name: str) -> "ImportPlanForm":
        values = {key: self.data.get(key, "") for key in self.fields if key != "allow_removals"}
        values |= {"name": name, "shown": signing.dumps(self.digest(report), salt=self.SALT)}
        if self.cleaned_data.get("allow_removals"):
            values["allow_removals"] = "on"
        return ImportPlanForm(values)

    def pairing(self, base: Any) -> list[dict[str, Any]]:
        """For each question the file no longer has, the file's new questions it could be
        (a rewording), as the preview's "same question as" choices."""
        added = [c for c in base.changes if c.kind == "question" and c.action == "added"]
        chosen = self.pairs()
        return [
            {
                "pk": c.pk,
                "old": c.old,
                "dependents": c.dependents,
                "options": [(int(a.where.split()[-1]), a.new) for a in added],
                "chosen": chosen.get(c.pk),
            }
            for c in base.changes
            if c.kind == "question" and c.action in ("removed", "retired")
        ]
