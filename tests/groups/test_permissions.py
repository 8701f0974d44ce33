"""Who may open what: one table over every group, account and discussion URL, walked
visitor → outsider → member → facilitator, plus the checks every write shares (POST only,
CSRF) and a completeness check that fails when a URL is added without a row here."""

from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import get_resolver, reverse

from content.models import Question, StudyText
from studygroup.discussion import services as discussion
from studygroup.discussion.models import Answer, Discussion, Margin, Note
from studygroup.groups.models import Attendance, Meeting, Membership, StudyGroup
from studygroup.notifications.models import Watch
from tests.support import CONFIRM, SHIPPED_SLUG, build_cast, logged_in, page, session_cookie

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def shared_cast(module_transaction, django_db_blocker):
    """The group cast, with a discussion: the member and the facilitator have each answered the
    first question and commented on the other's answer; the second question is unanswered.
    Built once for the module's few hundred rows; each test's changes roll back."""
    with django_db_blocker.unblock():
        cast = _with_discussion(build_cast(StudyText.objects.get(slug=SHIPPED_SLUG)))
        cast.sessions = {role: session_cookie(user) for role, user in cast.users.items()}
        return cast


@pytest.fixture
def cast(shared_cast, db):
    return shared_cast


def _with_discussion(cast):
    first, second = Question.objects.of_text(cast.group.text)[:2]
    by = {
        m.user_id: m
        for m in Membership.objects.filter(group=cast.group).select_related("group", "user")
    }
    answers = {
        pk: discussion.answer_post(membership=m, question=first, body="An answer.")
        for pk, m in by.items()
    }
    member, facilitator = cast.membership.user_id, cast.users["facilitator"].pk
    cast.question, cast.unanswered = first, second
    cast.answers = answers
    cast.comments = {
        member: discussion.comment_post(
            membership=by[member], answer=answers[facilitator], body="A comment."
        ),
        facilitator: discussion.comment_post(
            membership=by[facilitator], answer=answers[member], body="A comment."
        ),
    }
    cast.paragraph = cast.chapter.paragraphs.select_related("chapter").first()
    cast.notes = {
        pk: discussion.note_post(membership=m, paragraph=cast.paragraph, body="A note.")
        for pk, m in by.items()
    }
    return cast


LOGIN = "login"  # 302 to the log-in page, with ?next= back here


@dataclass(frozen=True)
class Row:
    name: str
    method: str
    # Expected outcome for (visitor, outsider, member, facilitator). The admin is Django
    # staff but in no group, so the admin is an outsider to group A.
    expect: tuple
    args: Callable = lambda cast, user: [cast.group.slug]
    data: dict = field(default_factory=dict)
    label: str = ""  # tells apart two rows of one URL name and method
    # For a write that redirects whoever sends it: whether it took effect, asked after the
    # request, and for which roles it should have (visitor, outsider, member, facilitator).
    effect: Callable | None = None
    took: tuple = (False, False, False, True)

    @property
    def id(self) -> str:
        return f"{self.name}-{self.method}{self.label}"


def nothing(cast, user):
    return []


def member_id(cast, user):
    return [cast.group.slug, cast.membership.pk]


def meeting_id(cast, user):
    return [cast.group.slug, cast.meeting.pk]


def chapter_number(cast, user):
    return [cast.group.slug, cast.chapter.number]


def no_such_chapter(cast, user):
    return [cast.group.slug, 9999]


def own_token(cast, user):
    # The feed is the token's owner's; a visitor has none, so tries a made-up one.
    return [user.calendar_token if user else "no-such-token"]


def question_id(cast, user):
    return [cast.group.slug, cast.question.pk]


def unanswered_id(cast, user):
    return [cast.group.slug, cast.unanswered.pk]


# Posts are changed by their authors: each user tries their own (one outside the group, the
# member's, to be told it is not found).
def own_answer(cast, user):
    member = cast.membership.user_id
    return [cast.group.slug, cast.answers.get(getattr(user, "pk", None), cast.answers[member]).pk]


def own_comment(cast, user):
    member = cast.membership.user_id
    return [cast.group.slug, cast.comments.get(getattr(user, "pk", None), cast.comments[member]).pk]


def members_answer(cast, user):
    return [cast.group.slug, cast.answers[cast.membership.user_id].pk]


def members_comment(cast, user):
    return [cast.group.slug, cast.comments[cast.membership.user_id].pk]


def paragraph_ref(cast, user):
    return [cast.group.slug, *cast.paragraph.place]


def own_note(cast, user):
    member = cast.membership.user_id
    return [cast.group.slug, cast.notes.get(getattr(user, "pk", None), cast.notes[member]).pk]


def members_note(cast, user):
    return [cast.group.slug, cast.notes[cast.membership.user_id].pk]


HIDE = {"action": "hide", "reason": "Off topic."}

TABLE = [
    Row("groups:dashboard", "get", (LOGIN, 200, 200, 200), nothing),
    Row("groups:create", "get", (LOGIN, 200, 200, 200), nothing),
    Row("groups:create", "post", (LOGIN, 200, 200, 200), nothing),  # empty: form errors
    Row("groups:join", "get", (200, 200, 302, 302), lambda c, u: [c.group.invite_code]),
    Row(
        "groups:join",
        "post",
        (200, 302, 302, 302),
        lambda c, u: [c.group.invite_code],
        {"action": "login"},
    ),
    Row("groups:calendar", "get", (404, 200, 200, 200), own_token),
    Row("discussion:group", "get", (LOGIN, 404, 200, 200)),
    Row("groups:edit", "get", (LOGIN, 404, 403, 200)),
    Row("groups:edit", "post", (LOGIN, 404, 403, 200)),  # empty: form errors
    Row("groups:invite", "get", (LOGIN, 404, 403, 200)),
    Row(
        "groups:invite",
        "post",
        (LOGIN, 404, 403, 302),
        data={"invite_enabled": "on", "join_policy": "open"},
        effect=lambda c, u: StudyGroup.objects.get(pk=c.group.pk).join_policy == "open",
    ),
    Row(
        "groups:invite_rotate",
        "post",
        (LOGIN, 404, 403, 302),
        data=CONFIRM,
        effect=lambda c, u: (
            StudyGroup.objects.get(pk=c.group.pk).invite_code != c.group.invite_code
        ),
    ),
    Row("groups:members", "get", (LOGIN, 404, 200, 200)),
    Row(
        "groups:member_role",
        "post",
        (LOGIN, 404, 403, 302),
        member_id,
        {"role": "facilitator"},
        effect=lambda c, u: Membership.objects.get(pk=c.membership.pk).is_facilitator,
    ),
    Row(
        "groups:member_remove",
        "post",
        (LOGIN, 404, 403, 302),
        member_id,
        CONFIRM,
        effect=lambda c, u: not Membership.objects.filter(pk=c.membership.pk).exists(),
    ),
    # The facilitator is the group's only one: the group keeps them, and says so.
    Row(
        "groups:leave",
        "post",
        (LOGIN, 404, 302, 302),
        data=CONFIRM,
        effect=lambda c, u: Membership.objects.filter(group=c.group).count() < 2,
        took=(False, False, True, False),
    ),
    Row(
        "groups:request_decide",
        "post",
        (LOGIN, 404, 403, 302),
        lambda c, u: [c.group.slug, c.join_request.pk],
        {"decision": "approve"},
        effect=lambda c, u: Membership.objects.filter(
            group=c.group, user=c.join_request.user
        ).exists(),
    ),
    Row("groups:meeting_create", "get", (LOGIN, 404, 403, 200)),
    Row("groups:meeting_create", "post", (LOGIN, 404, 403, 200)),  # empty: form errors
    Row("discussion:meeting", "get", (LOGIN, 404, 200, 200), meeting_id),
    Row("discussion:meeting_pack", "get", (LOGIN, 404, 200, 200), meeting_id),
    Row("discussion:read", "get", (LOGIN, 404, 200, 200), chapter_number),
    # A chapter the text does not have: as if it did not exist, to members too.
    Row("discussion:read", "get", (LOGIN, 404, 404, 404), no_such_chapter, label="-missing"),
    Row("discussion:search", "get", (LOGIN, 404, 200, 200)),
    Row("groups:meeting_edit", "get", (LOGIN, 404, 403, 200), meeting_id),
    Row("groups:meeting_edit", "post", (LOGIN, 404, 403, 200), meeting_id),
    Row(
        "groups:meeting_delete",
        "post",
        (LOGIN, 404, 403, 302),
        meeting_id,
        CONFIRM,
        effect=lambda c, u: not Meeting.objects.scheduled().filter(pk=c.meeting.pk).exists(),
    ),
    Row(
        "groups:mark",
        "post",
        (LOGIN, 404, 302, 302),
        lambda c, u: [c.group.slug, "chapter", c.chapter.pk],
        {"done": "on"},
    ),
    Row(
        "groups:mark",
        "post",
        (LOGIN, 404, 302, 302),
        lambda c, u: [c.group.slug, "reading", c.reading.pk],
        {"done": "on"},
        label="-reading",
    ),
    Row(
        "groups:attendance",
        "post",
        (LOGIN, 404, 302, 302),
        meeting_id,
        {"going": "yes"},
        effect=lambda c, u: Attendance.objects.filter(meeting=c.meeting, going=True).exists(),
        took=(False, False, True, True),
    ),
    Row(
        "notifications:watch",
        "post",
        (LOGIN, 404, 302, 302),
        question_id,
        {"watching": "yes"},
        effect=lambda c, u: Watch.objects.filter(question=c.question, watching=True).exists(),
        took=(False, False, True, True),
    ),
    Row("discussion:progress", "get", (LOGIN, 404, 403, 200)),
    Row("groups:questions", "get", (LOGIN, 404, 200, 200)),
    Row("groups:questions", "post", (LOGIN, 404, 403, 200)),  # empty: form errors
    Row("accounts:profile", "get", (LOGIN, 200, 200, 200), nothing),
    Row("accounts:profile", "post", (LOGIN, 200, 200, 200), nothing),  # empty: form errors
    Row("accounts:calendar_reset", "post", (LOGIN, 302, 302, 302), nothing, CONFIRM),
    Row("accounts:password_change", "get", (LOGIN, 200, 200, 200), nothing),
    Row("owndata:export", "get", (LOGIN, 200, 200, 200), nothing),
    Row("owndata:delete", "get", (LOGIN, 200, 200, 200), nothing),
    Row("owndata:delete", "post", (LOGIN, 200, 200, 200), nothing),  # empty: form errors
    Row("accounts:logout", "post", (302, 302, 302, 302), nothing),
    Row("discussion:question", "get", (LOGIN, 404, 200, 200), question_id),
    Row("discussion:question_all", "get", (LOGIN, 404, 200, 200), question_id),
    Row("discussion:answer", "get", (LOGIN, 404, 200, 200), members_answer),
    # Without htmx, "more comments" leads to the answer's whole thread.
    Row("discussion:comments_more", "get", (LOGIN, 404, 302, 302), members_answer),
    Row(
        "discussion:answer_create",
        "post",
        (LOGIN, 404, 302, 302),
        unanswered_id,
        {"body": "My answer."},
    ),
    Row(
        "discussion:question_settings",
        "post",
        (LOGIN, 404, 403, 302),
        question_id,
        {"locked": "on", "answer_first": "on"},
        effect=lambda c, u: Discussion.objects.filter(
            group=c.group, question=c.question, locked=True, answer_first=True
        ).exists(),
    ),
    # Each form has a page of its own (GET), where a link leads without JavaScript.
    Row("discussion:answer_create", "get", (LOGIN, 404, 302, 302), unanswered_id),
    Row("discussion:question_settings", "get", (LOGIN, 404, 403, 302), question_id),
    Row("discussion:answer_edit", "get", (LOGIN, 404, 200, 200), own_answer),
    Row("discussion:answer_delete", "get", (LOGIN, 404, 200, 200), own_answer),
    Row("discussion:comment_create", "get", (LOGIN, 404, 200, 200), members_answer),
    Row("discussion:answer_moderate", "get", (LOGIN, 404, 403, 200), members_answer),
    Row("discussion:comment_edit", "get", (LOGIN, 404, 200, 200), own_comment),
    Row("discussion:comment_delete", "get", (LOGIN, 404, 200, 200), own_comment),
    Row("discussion:comment_moderate", "get", (LOGIN, 404, 403, 200), members_comment),
    Row("discussion:answer_edit", "post", (LOGIN, 404, 302, 302), own_answer, {"body": "Edited."}),
    Row("discussion:answer_delete", "post", (LOGIN, 404, 302, 302), own_answer),
    Row(
        "discussion:comment_create",
        "post",
        (LOGIN, 404, 302, 302),
        members_answer,
        {"body": "A comment."},
    ),
    Row("discussion:answer_moderate", "post", (LOGIN, 404, 403, 302), members_answer, HIDE),
    Row("discussion:comment_edit", "post", (LOGIN, 404, 302, 302), own_comment, {"body": "Edit"}),
    Row("discussion:comment_delete", "post", (LOGIN, 404, 302, 302), own_comment),
    Row("discussion:comment_moderate", "post", (LOGIN, 404, 403, 302), members_comment, HIDE),
    # The margin: notes on a paragraph, by every member; locked and hidden by facilitators.
    Row("discussion:margin", "get", (LOGIN, 404, 200, 200), paragraph_ref),
    Row("discussion:note_create", "get", (LOGIN, 404, 200, 200), paragraph_ref),
    Row(
        "discussion:note_create",
        "post",
        (LOGIN, 404, 302, 302),
        paragraph_ref,
        {"body": "A fresh note."},
        effect=lambda c, u: Note.objects.filter(author=u, body="A fresh note.").exists(),
        took=(False, False, True, True),
    ),
    Row("discussion:note_edit", "get", (LOGIN, 404, 200, 200), own_note),
    Row(
        "discussion:note_edit",
        "post",
        (LOGIN, 404, 302, 302),
        own_note,
        {"body": "Edited note."},
        effect=lambda c, u: Note.objects.filter(author=u, body="Edited note.").exists(),
        took=(False, False, True, True),
    ),
    Row("discussion:note_delete", "get", (LOGIN, 404, 200, 200), own_note),
    Row(
        "discussion:note_delete",
        "post",
        (LOGIN, 404, 302, 302),
        own_note,
        effect=lambda c, u: Note.objects.filter(author=u, deleted__isnull=False).exists(),
        took=(False, False, True, True),
    ),
    Row("discussion:note_moderate", "get", (LOGIN, 404, 403, 200), members_note),
    Row(
        "discussion:note_moderate",
        "post",
        (LOGIN, 404, 403, 302),
        members_note,
        HIDE,
        effect=lambda c, u: (
            Note.objects.filter(pk=c.notes[c.membership.user_id].pk).exclude(hidden=None).exists()
        ),
    ),
    Row("discussion:margin_lock", "get", (LOGIN, 404, 403, 302), paragraph_ref),
    Row(
        "discussion:margin_lock",
        "post",
        (LOGIN, 404, 403, 302),
        paragraph_ref,
        {"locked": "on"},
        effect=lambda c, u: Margin.objects.filter(group=c.group, locked=True).exists(),
    ),
    # Notifications are each user's own, not a group's: anyone signed in has a list.
    Row("notifications:inbox", "get", (LOGIN, 200, 200, 200), nothing),
    Row("notifications:read", "post", (LOGIN, 302, 302, 302), nothing),
]

# Pages anyone may open, signed in or not: Django's own auth flow.
PUBLIC_PAGES = {
    "accounts:login": [],
    "accounts:signup": [],
    "accounts:password_reset": [],
    "accounts:password_reset_done": [],
    "accounts:password_reset_confirm": ["MQ", "no-such-token"],
    "accounts:password_reset_complete": [],
}

ROLES = {"visitor": 0, "outsider": 1, "admin": 1, "member": 2, "facilitator": 3}

BUGS: dict[tuple[str, str, str], str] = {}  # (url name, method, role): "BUG: ..."


CASES = [
    pytest.param(
        row,
        role,
        id=f"{row.id}-{role}",
        marks=[pytest.mark.xfail(strict=True, reason=bug)]
        if (bug := BUGS.get((row.name, row.method, role)))
        else [],
    )
    for row in TABLE
    for role in ROLES
]


def url_for(row: Row, cast, user) -> str:
    return reverse(row.name, args=row.args(cast, user))


@pytest.mark.parametrize(("row", "role"), CASES)
def test_permission_table(row, role, cast, client):
    user = cast.users.get(role)
    if user:
        client.cookies[settings.SESSION_COOKIE_NAME] = cast.sessions[role]
    url = url_for(row, cast, user)
    response = getattr(client, row.method)(url, row.data)
    expected = row.expect[ROLES[role]]

    if row.effect is not None:
        took = row.took[ROLES[role]]
        assert row.effect(cast, user) == took, "it took effect" if not took else "no effect"
    if expected == LOGIN:
        assert response.status_code == 302
        assert response.url == f"{reverse('accounts:login')}?next={quote(url)}"
        return
    assert response.status_code == expected
    if expected == 302:
        assert not response.url.startswith(reverse("accounts:login"))
    elif expected == 403:
        assert "facilitators can do that" in page(response)
    elif expected == 404:
        assert "Not found" in page(response)


def test_every_group_account_and_discussion_url_has_a_row():
    resolver = get_resolver()
    names = {
        f"{namespace}:{name}"
        for namespace in ("groups", "accounts", "discussion", "notifications", "owndata")
        for name in resolver.namespace_dict[namespace][1].reverse_dict
        if isinstance(name, str)
    }
    covered = {row.name for row in TABLE} | set(PUBLIC_PAGES)
    assert names - covered == set(), "add these URLs to the permission table"


@pytest.mark.parametrize("name", PUBLIC_PAGES)
def test_public_pages_open_to_visitors(client, name):
    response = client.get(reverse(name, args=PUBLIC_PAGES[name]))
    assert response.status_code == 200


POST_ROWS = [pytest.param(row, id=row.id) for row in TABLE if row.method == "post"]
WRITE_ONLY = sorted(
    {row.name for row in TABLE if row.method == "post"}
    - {row.name for row in TABLE if row.method == "get"}
)


@pytest.mark.parametrize("name", WRITE_ONLY)
def test_a_get_of_a_write_goes_to_its_form_and_writes_nothing(cast, name):
    row = next(row for row in TABLE if row.name == name)
    user = cast.users["facilitator"]
    client = logged_in(user)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url_for(row, cast, user))
    assert response.status_code == 302 and "/login/" not in response["Location"]
    assert not [q for q in queries if q["sql"].startswith(("INSERT", "UPDATE", "DELETE"))]


@pytest.mark.parametrize(
    ("name", "args"),
    [
        ("groups:dashboard", nothing),
        ("discussion:group", lambda c, u: [c.group.slug]),
        ("discussion:meeting", meeting_id),
        ("discussion:meeting_pack", meeting_id),
        ("discussion:read", chapter_number),
        ("discussion:progress", lambda c, u: [c.group.slug]),
        ("discussion:search", lambda c, u: [c.group.slug]),
        ("groups:calendar", own_token),
        ("discussion:question", question_id),
        ("discussion:question_all", question_id),
        ("discussion:answer", members_answer),
        ("discussion:comments_more", members_answer),
        ("discussion:margin", paragraph_ref),
        ("notifications:inbox", nothing),
    ],
)
def test_pages_refuse_post(cast, name, args):
    user = cast.users["facilitator"]
    response = logged_in(user).post(reverse(name, args=args(cast, user)))
    assert response.status_code == 405


@pytest.mark.parametrize("row", POST_ROWS)
def test_writes_need_the_csrf_token(cast, row):
    client = Client(enforce_csrf_checks=True)
    user = cast.users["facilitator"]
    client.force_login(user)
    response = client.post(url_for(row, cast, user), row.data)
    assert response.status_code == 403
    assert "CSRF verification failed" in page(response)


def test_csrf_refusal_changes_nothing(cast):
    client = Client(enforce_csrf_checks=True)
    client.force_login(cast.users["facilitator"])
    client.post(reverse("groups:meeting_delete", args=[cast.group.slug, cast.meeting.pk]))
    client.post(reverse("groups:member_remove", args=[cast.group.slug, cast.membership.pk]))
    client.post(
        reverse("discussion:answer_delete", args=own_answer(cast, cast.users["facilitator"]))
    )
    assert cast.group.meetings.filter(pk=cast.meeting.pk).exists()
    assert Membership.objects.filter(pk=cast.membership.pk).exists()
    assert Answer.objects.filter(deleted__isnull=True).count() == 2


def test_htmx_tick_returns_the_button_alone(cast):
    response = logged_in(cast.users["member"]).post(
        reverse("groups:mark", args=[cast.group.slug, "chapter", cast.chapter.pk]),
        {"done": "on"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    fragment = page(response)
    assert fragment.lstrip().startswith("<form ")
    assert 'class="mark"' in fragment
    assert 'aria-pressed="true"' in fragment
    assert "<html" not in fragment


@pytest.mark.parametrize("path", ["/admin/accounts/user/", "/admin/groups/studygroup/"])
def test_admin_manages_users_and_groups_in_the_django_admin(cast, path):
    assert logged_in(cast.users["admin"]).get(path).status_code == 200
    refused = logged_in(cast.users["facilitator"]).get(path)
    assert refused.status_code == 302
    assert refused.url.startswith("/admin/login/")
