import uuid

from django import template

register = template.Library()


@register.simple_tag
def post_token() -> str:
    """A fresh token for one post form: sent twice, the form still posts once."""
    return str(uuid.uuid4())


@register.simple_tag(takes_context=True)
def comment_html(context, comment):
    """A comment and its actions (see studygroup/discussion/render.py for why in Python)."""
    from studygroup.discussion.render import CommentRenderer

    request = context["request"]
    thread = context.get("thread")
    key = (context["group"].pk, bool(thread and thread.locked))
    cached = getattr(request, "_comment_renderer", None)
    if cached is None or cached[0] != key:
        renderer = CommentRenderer.for_page(
            request, context["group"], context["membership"], thread
        )
        request._comment_renderer = cached = (key, renderer)
    return cached[1].comment(comment, context["answer"])
