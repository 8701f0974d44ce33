"""Helpers the tests share (plain functions, no fixtures: those live in tests/conftest.py)."""

import os
import re
from collections.abc import Iterable
from datetime import timedelta
from importlib import import_module
from pathlib import Path
from types import SimpleNamespace

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
from django.core.cache import caches
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from content.models import Chapter, Question, ReadingItem, StudyText
from studygroup.accounts.sessions import BACKEND
from studygroup.discussion import services as discussion
from studygroup.discussion.models import Answer, Comment
from studygroup.groups import services as groups
from studygroup.groups.models import Meeting, Membership, StudyGroup

ROOT = Path(__file__).resolve().parent.parent
SHIPPED_TEXT = ROOT / "content" / "texts" / "russian-revolution-part-2.txt"
SHIPPED_SLUG = "russian-revolution-part-2"
SHIPPED_TITLE = "Russian Revolution, part 2"

# The standing cast: everyone has a display name, an e-mail address and the same password.
PASSWORD = "a-long-study-passphrase"


def examples(n: int) -> int:
    """Hypothesis examples for a property: n in the everyday suite, more with FUZZ=10 (say,
    after a change to a parser or the sanitiser). Failures found once are replayed first
    from .hypothesis/ whatever the count."""
    return n * int(os.environ.get("FUZZ", "1"))


HTMX = {"HX-Request": "true"}


def make_user(username: str, display_name: str, **extra):
    return get_user_model().objects.create_user(
        username=username,
        email=f"{username}@example.org",
        password=PASSWORD,
        display_name=display_name,
        **extra,
    )


def logged_in(user) -> Client:
    """A client signed in as ``user``, by a session made for it as a log-in makes one (the
    session engine's store, our backend): two queries, where ``force_login`` took six
    rotating an empty session's key and saving the last log-in time."""
    store = import_module(settings.SESSION_ENGINE).SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = BACKEND
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.create()
    client = Client()
    client.cookies[settings.SESSION_COOKIE_NAME] = store.session_key
    return client


def session_cookie(user) -> str:
    """The key of a session with ``user`` logged in, as ``force_login`` makes it, for a
    client or a browser to carry: made once in a module's fixture, it saves a table of a
    few hundred rows a log-in each (a test's changes to it roll back with the test)."""
    return logged_in(user).cookies[settings.SESSION_COOKIE_NAME].value


def still_logged_in(response) -> bool:
    """Whether the client is still logged in after ``response``: read from the request it
    made (a view that logs out puts the anonymous user there), not by loading the session
    again, which cost the crawls a query a URL. A request refused before the session was
    read (a NUL byte at the edge) left it as it was."""
    user = getattr(response.wsgi_request, "user", None)
    return user is None or user.is_authenticated


def page(response) -> str:
    return response.content.decode()


def count_queries(client: Client, url: str) -> int:
    """The queries a page takes when nothing is kept yet (its first load after a change):
    the budget to hold as its data grows; compare it with ``forget_kept()`` then a load."""
    client.get(url)  # the first request may set up the session; count the second
    forget_kept()
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def forget_kept() -> None:
    """This process's kept schedules, tables of contents and chapters gone, as if it had
    just started (content/revisions.py): the next load builds them, and pays its queries."""
    from content.revisions import TABLES_OF_CONTENTS
    from studygroup.groups.models import SCHEDULES

    caches["local"].clear()
    TABLES_OF_CONTENTS.clear()
    SCHEDULES.clear()


# Groups ---------------------------------------------------------------------------------


def plan_meeting(
    group: StudyGroup,
    *,
    days: float = 7,
    chapters: Iterable[int] = (15, 16),
    readings: int = 2,
    questions: int = 2,
    place: str = "",
) -> Meeting:
    """A meeting ``days`` from now with chapters by number, and the first readings and questions."""
    # Whole minutes, as a form would give (and as an iCalendar feed can say).
    starts = (timezone.now() + timedelta(days=days)).replace(second=0, microsecond=0)
    return groups.meeting_save(
        group=group,
        starts_at=starts,
        ends_at=starts + timedelta(minutes=90),
        place=place,
        chapters=Chapter.objects.filter(text_id=group.text_id, number__in=list(chapters)),
        readings=ReadingItem.objects.filter(text_id=group.text_id).order_by("level", "position")[
            :readings
        ],
        questions=Question.objects.of_text(group.text)[:questions],
    )


def chapter(group: StudyGroup, number: int) -> Chapter:
    return Chapter.objects.get(text_id=group.text_id, number=number)


def build_cast(shipped_text: StudyText) -> SimpleNamespace:
    """The standing cast, for module-scoped fixtures (tests/conftest.py's function fixtures build
    the same people and groups one by one)."""
    people = {
        "facilitator": make_user("fay", "Fay Facilitator"),
        "member": make_user("max", "Max Member"),
        "outsider": make_user("otto", "Otto Outsider"),
        "admin": make_user("ada", "Ada Admin", is_staff=True, is_superuser=True),
    }
    group = groups.group_create(
        user=people["facilitator"],
        text=shipped_text,
        name="Tuesday Readers",
        meeting_place="Room 2, Central Library",
        join_policy=StudyGroup.JoinPolicy.APPROVAL,
    )
    membership = Membership.objects.create(group=group, user=people["member"])
    group_b = groups.group_create(user=people["outsider"], text=shipped_text, name="B")
    plan_meeting(group_b, days=3, chapters=[20])
    join_request = groups.group_join(
        user=make_user("rita", "Rita Requester"), code=group.invite_code
    )
    meeting = plan_meeting(group)
    return SimpleNamespace(
        group=group,
        membership=membership,
        group_b=group_b,
        join_request=join_request,
        meeting=meeting,
        chapter=chapter(group, 15),
        reading=meeting.readings.first(),
        users=people,
    )


# Discussion -----------------------------------------------------------------------------


def question_url(group: StudyGroup, question: Question, anchor: str = "") -> str:
    url = reverse("discussion:question", args=[group.slug, question.pk])
    return f"{url}#{anchor}" if anchor else url


def url(name: str, group: StudyGroup, obj) -> str:
    return reverse(f"discussion:{name}", args=[group.slug, obj.pk])


def answer(membership: Membership, question: Question, body: str = "An answer.") -> Answer:
    return discussion.answer_post(membership=membership, question=question, body=body)


def comment(
    membership: Membership, on: Answer, body: str = "A comment.", parent: Comment | None = None
) -> Comment:
    return discussion.comment_post(membership=membership, answer=on, body=body, parent=parent)


# Reading a rendered page: answers are <article>s and comments flat <li>s, neither nested.
COMMENT_RE = re.compile(
    r'<li class="comment indent-(?P<indent>\d+)" id="comment-(?P<pk>\d+)">(?P<html>.*?)</li>',
    re.DOTALL,
)


def comments_shown(html: str) -> list[tuple[int, int, str]]:
    """(comment id, indent level, its markup) for each comment, in page order."""
    return [(int(m["pk"]), int(m["indent"]), m["html"]) for m in COMMENT_RE.finditer(html)]


def article(html: str, answer: Answer) -> str:
    """One answer's <article>, its comment thread included."""
    start = html.index(f'id="answer-{answer.pk}"')
    return html[start : html.index("</article>", start)]


# Browser journeys -----------------------------------------------------------------------


def user(django_user_model, username: str, display_name: str):
    return django_user_model.objects.create_user(
        username=username,
        password=PASSWORD,
        display_name=display_name,
        email=f"{username}@example.org",
    )


# What a destructive form sends once the member has said yes (core.http.confirm_first).
CONFIRM = {"confirmed": "yes"}


def log_in(page, live_server, username: str, *, through_the_form: bool = False) -> None:
    """Signed in as ``username``, on the dashboard.

    By default the session is made server-side and its cookie handed to the browser: the
    journeys are about what comes after. ``through_the_form`` types the password into the
    log-in page, as a person does (some journeys do, so that page stays covered).
    """
    from playwright.sync_api import expect

    if through_the_form:
        page.goto(f"{live_server.url}/accounts/login/")
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()
    else:
        signed_in(page, live_server, username)
        page.goto(f"{live_server.url}/dashboard/")
    expect(page).to_have_url(f"{live_server.url}/dashboard/")
    expect(page.get_by_role("heading", level=1, name="My groups")).to_be_visible()


def signed_in(page, live_server, username: str) -> None:
    """The browser carries a session of ``username``'s, made server-side; no page is loaded.
    For a journey whose next step opens a members' page (which sends a stranger to log in,
    so it proves the session): a first stop at the dashboard cost each journey a page load,
    about a tenth of a short journey's CPU."""
    cookie = session_cookie(get_user_model().objects.get(username=username))
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}]
    )


def worker_tells() -> None:
    """The task worker's turn for the news of posts, meetings and join requests, with the
    real queue (the database's): each queued ``*_told`` task run once, as ``db_worker`` runs
    it; the request that made the change only queued it."""
    from django_tasks_db.models import DBTaskResult

    for job in DBTaskResult.objects.filter(task_path__endswith="_told").order_by("enqueued_at"):
        job.task.call(*job.args_kwargs["args"], **job.args_kwargs["kwargs"])
        job.delete()
