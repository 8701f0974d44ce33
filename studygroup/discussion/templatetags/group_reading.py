"""The way from the public chapter page into a group's reading of it, for the content app's
template: a template asks for it by name (templates are not imports), so content still
imports nothing of ours and names none of our models."""

from django import template

from studygroup.groups.models import Membership

register = template.Library()


@register.inclusion_tag("discussion/read.html#groups", takes_context=True)
def group_reading_links(context, chapter) -> dict:
    """The viewer's groups that read this chapter's text, each to its reading view of it:
    one query for a member, none for anyone signed out (nothing is shown to either else)."""
    user = context["request"].user
    if not user.is_authenticated:
        return {"memberships": []}
    memberships = (
        Membership.objects.filter(user=user, group__text_id=chapter.text_id)
        .select_related("group")
        .order_by("group__name", "group_id")
    )
    return {"memberships": list(memberships), "chapter": chapter}
