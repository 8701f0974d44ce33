import uuid

from django import template

from studygroup.groups.models import question_label

register = template.Library()


@register.simple_tag
def post_token() -> str:
    """A fresh token for one post form: sent twice, the form still posts once."""
    return str(uuid.uuid4())


@register.filter
def label(question) -> str:
    """``{{ question|label }}``: "Q5" or "G2" (``groups.models.question_label``)."""
    return question_label(question)


@register.filter
def margin_of(margins: dict, paragraph) -> tuple[int, int]:
    """``{{ margins|margin_of:paragraph }}``: the paragraph's (notes, citing posts) from
    ``rules.margin_counts``, (0, 0) for one with neither."""
    return margins.get(paragraph.pk, (0, 0))
