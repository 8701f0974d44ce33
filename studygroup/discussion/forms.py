from django import forms

HELP = (
    "Markdown: *emphasis*, **strong**, [links](https://…), lists, > quotes, `code`. "
    "Mention a member with @username."
)


def body_field(label: str, rows: int) -> forms.CharField:
    # Neither required nor limited here: services.post_body checks both, with one message
    # each; a browser's maxlength would cut a paste short without a word.
    return forms.CharField(
        label=label,
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": rows}),
        help_text=HELP,
    )


class PostForm(forms.Form):
    # Fresh in every form; see Post.client_token.
    token = forms.UUIDField(required=False, widget=forms.HiddenInput)


class CommentForm(PostForm):
    body = body_field("Your comment", 3)


class AnswerForm(PostForm):
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


class NoteForm(PostForm):
    body = body_field("Your note", 3)


class MarginForm(forms.Form):
    locked = forms.BooleanField(required=False, label="Locked: no new notes")
