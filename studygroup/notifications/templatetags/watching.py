"""The watch button, for pages of the layers below (a question's page is discussion's):
a template asks for it by name, so no app below imports this one."""

from django import template

register = template.Library()


@register.inclusion_tag("notifications/watch.html")
def watch_button(group, membership, question) -> dict:
    from studygroup.notifications.views import watch_context

    return watch_context(group, membership, question)
