"""The one access rule: a group's pages exist only for its members.

Every group URL, page or htmx fragment, asks here first. To anyone outside the group the
answer is 404, as if the group did not exist; to a member whose role is too low, 403.
"""

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404

from content import compiled
from studygroup.accounts.http import AuthenticatedHttpRequest

from .models import Membership, StudyGroup


def group_for_member(request: AuthenticatedHttpRequest, slug: str) -> tuple[StudyGroup, Membership]:
    """The group and the viewer's membership; 404 to anyone outside it."""
    # Every group page asks this first: compiled once (content.compiled).
    values: compiled.Values = {"slug": slug, "user_id": request.user.pk}
    membership = compiled.one("group-for-member", _membership, values)
    if membership is None:
        raise Http404("No such group.")
    membership.user = request.user  # the same row: no query to fetch it again
    return membership.group, membership


def _membership(slug: str, user_id: int) -> QuerySet[Membership]:
    return Membership.objects.select_related("group", "group__text").filter(
        group__slug=slug, user_id=user_id
    )


def group_for_facilitator(
    request: AuthenticatedHttpRequest, slug: str
) -> tuple[StudyGroup, Membership]:
    """As ``group_for_member``, and 403 to a member who is not a facilitator."""
    group, membership = group_for_member(request, slug)
    if not membership.is_facilitator:
        raise PermissionDenied("Only the group's facilitators can do that.")
    return group, membership
