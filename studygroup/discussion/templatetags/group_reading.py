"""The way from the public chapter page into a group's reading of it, for the content app's
template: a template asks for it by name (templates are not imports), so content still
imports nothing of ours and names none of our models."""

from django import template
from django.db.models import QuerySet

from content import compiled
from studygroup.groups.models import Membership

register = template.Library()


@register.inclusion_tag("discussion/read.html#groups", takes_context=True)
def group_reading_links(context, chapter) -> dict:
    """The viewer's groups that read this chapter's text, each to its reading view of it:
    one query for a member, none for anyone signed out (nothing is shown to either else)."""
    user = context["request"].user
    if not user.is_authenticated:
        return {"memberships": []}
    values: compiled.Values = {"user_id": user.pk, "text_id": chapter.text_id}
    memberships = compiled.objects("groups-reading", _reading, values)
    return {"memberships": memberships, "chapter": chapter}


def _reading(user_id: int, text_id: int) -> QuerySet[Membership]:
    mine = Membership.objects.filter(user_id=user_id, group__text_id=text_id)
    return mine.select_related("group").order_by("group__name", "group_id")
