from django import forms

from .models import MAX_ANSWER, MAX_COMMENT

HELP = (
    "Markdown: *emphasis*, **strong**, [links](https://…), lists, > quotes, `code`. "
    "Mention a member with @username."
)


def body_field(label: str, rows: int) -> forms.CharField:
    # No max_length: the server says why a long post is refused, where a browser's limit
    # would cut a paste short without a word.
    return forms.CharField(
        label=label,
        widget=forms.Textarea(attrs={"rows": rows}),
        error_messages={"required": "Write something first: the post is empty."},
        help_text=HELP,
    )


class PostForm(forms.Form):
    limit = MAX_COMMENT
    # Fresh in every form (templates/discussion: {% post_token %}); see Post.client_token.
    token = forms.UUIDField(required=False, widget=forms.HiddenInput)

    def clean_body(self) -> str:
        body = self.cleaned_data["body"]
        if len(body) > self.limit:
            raise forms.ValidationError(
                f"Keep it under {self.limit:,} characters (this has {len(body):,}); "
                "shorten it and post again."
            )
        return body


class CommentForm(PostForm):
    body = body_field("Your comment", 3)


class AnswerForm(PostForm):
    limit = MAX_ANSWER
    body = body_field("Your answer", 6)


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
