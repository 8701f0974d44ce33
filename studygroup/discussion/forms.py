from django import forms

from .models import MAX_ANSWER, MAX_COMMENT

HELP = (
    "Markdown: *emphasis*, **strong**, [links](https://…), lists, > quotes, `code`. "
    "Mention a member with @username."
)


def body_field(label: str, limit: int, rows: int) -> forms.CharField:
    field = forms.CharField(
        label=label,
        max_length=limit,
        widget=forms.Textarea(attrs={"rows": rows}),
        error_messages={
            "required": "Write something first: the post is empty.",
            "max_length": f"Keep it under {limit:,} characters "
            "(this has %(show_value)s); shorten it and post again.",
        },
        help_text=HELP,
    )
    # The server says why a long post is refused; a browser limit would cut a paste silently.
    field.widget.attrs.pop("maxlength", None)
    return field


class CommentForm(forms.Form):
    body = body_field("Your comment", MAX_COMMENT, 3)


class AnswerForm(forms.Form):
    body = body_field("Your answer", MAX_ANSWER, 6)


class HideForm(forms.Form):
    action = forms.ChoiceField(choices=[("hide", "Hide"), ("unhide", "Show again")])
    reason = forms.CharField(max_length=300, required=False)


class DiscussionForm(forms.Form):
    locked = forms.BooleanField(required=False, label="Locked: no new posts")
    answer_first = forms.ChoiceField(
        label="Answer before seeing the others",
        choices=[
            ("", "As the group's setting"),
            ("on", "On for this question"),
            ("off", "Off for this question"),
        ],
        required=False,
    )
