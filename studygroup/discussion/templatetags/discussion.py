import uuid

from django import template

register = template.Library()


@register.simple_tag
def post_token() -> str:
    """A fresh token for one post form: sent twice, the form still posts once."""
    return str(uuid.uuid4())
