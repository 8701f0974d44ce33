"""Many members posting at once, against a live server on PostgreSQL: nothing lost, nothing
doubled, no 500."""

import threading
import urllib.error
import urllib.parse
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from http.cookiejar import CookieJar

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from content.models import Question
from studygroup.discussion import services
from studygroup.discussion.models import COMMENTS_FIRST, Answer, Comment
from studygroup.groups import services as groups
from studygroup.groups.models import Membership
from tests.support import make_user

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="SQLite takes one writer at a time"
    ),
]
CSRF = "c" * 32  # an unmasked secret: the cookie and the header carry the same one


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def session_for(user) -> str:
    client = Client()
    client.force_login(user)
    return client.cookies["sessionid"].value


def post(base: str, path: str, session: str, data: dict) -> int:
    """POST a form as a browser would; the status code (302 = acknowledged)."""
    request = urllib.request.Request(
        base + path,
        data=urllib.parse.urlencode(data).encode(),
        headers={
            "Cookie": f"sessionid={session}; csrftoken={CSRF}",
            "X-CSRFToken": CSRF,
            "Content-Type": "application/x-www-form-urlencoded",
        },
        method="POST",
    )
    opener = urllib.request.build_opener(
        NoRedirect, urllib.request.HTTPCookieProcessor(CookieJar())
    )
    try:
        with opener.open(request, timeout=30) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def sent_at_once(base: str, path: str, session: str, form: dict, copies: int) -> list[int]:
    """The same form sent ``copies`` times at the same instant (a double-click, a retry)."""
    barrier = threading.Barrier(copies)

    def send(_) -> int:
        barrier.wait()
        return post(base, path, session, form)

    with ThreadPoolExecutor(max_workers=copies) as pool:
        return list(pool.map(send, range(copies)))


@pytest.fixture
def scene(live_server, facilitator, shipped_text):
    group = groups.group_create(user=facilitator, text=shipped_text, name="Racers")
    question = Question.objects.of_text(shipped_text).first()
    members = [make_user(f"racer{n}", f"Racer {n}") for n in range(8)]
    memberships = [Membership.objects.create(group=group, user=u) for u in members]
    first = services.answer_post(membership=memberships[0], question=question, body="Opening.")
    return {
        "base": live_server.url,
        "group": group,
        "question": question,
        "members": members,
        "sessions": [session_for(u) for u in members],
        "answer": first,
    }


def test_many_members_commenting_at_once_lose_and_double_nothing(scene):
    url = reverse("discussion:comment_create", args=[scene["group"].slug, scene["answer"].pk])
    jobs = [
        (session, f"Racer {n} says {i}.")
        for n, session in enumerate(scene["sessions"])
        for i in range(6)
    ]
    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(
            pool.map(lambda job: (job[1], post(scene["base"], url, job[0], {"body": job[1]})), jobs)
        )
    assert {status for _, status in statuses} == {302}, statuses
    acknowledged = [body for body, status in statuses if status == 302]
    stored = list(Comment.objects.filter(answer=scene["answer"]).values_list("body", flat=True))
    assert sorted(stored) == sorted(acknowledged)  # each exactly once
    scene["answer"].refresh_from_db()
    assert scene["answer"].comment_count == len(stored)
    assert len({c.path for c in Comment.objects.filter(answer=scene["answer"])}) == len(stored)
    # The derived fields are exactly what the comments say, however the replies interleaved.
    comments = list(Comment.objects.filter(answer=scene["answer"]).order_by("path"))
    assert scene["answer"].first_screen_path == comments[COMMENTS_FIRST - 1].path
    assert scene["answer"].last_activity == max(c.created for c in comments)


def test_two_racing_first_answers_leave_one_and_a_clear_message(scene):
    session = scene["sessions"][1]
    url = reverse("discussion:answer_create", args=[scene["group"].slug, scene["question"].pk])
    barrier = threading.Barrier(2)

    def race(body: str) -> int:
        barrier.wait()
        return post(scene["base"], url, session, {"body": body, "token": str(uuid.uuid4())})

    with ThreadPoolExecutor(max_workers=2) as pool:
        statuses = sorted(pool.map(race, ["First try.", "Second try."]))
    assert statuses == [302, 400]  # one stored; the other refused with the form and reason
    assert Answer.objects.filter(author=scene["members"][1]).count() == 1


def test_a_form_sent_twice_posts_once(scene):
    session = scene["sessions"][2]
    url = reverse("discussion:comment_create", args=[scene["group"].slug, scene["answer"].pk])
    form = {"body": "Said once, sent twice.", "token": str(uuid.uuid4())}
    statuses = sent_at_once(scene["base"], url, session, form, copies=3)
    assert statuses == [302, 302, 302]  # every copy is told it worked ...
    assert Comment.objects.filter(body="Said once, sent twice.").count() == 1  # ... once


def test_the_same_answer_form_sent_twice_at_once_is_one_success_twice(scene):
    session = scene["sessions"][3]
    url = reverse("discussion:answer_create", args=[scene["group"].slug, scene["question"].pk])
    form = {"body": "My answer, double-clicked.", "token": str(uuid.uuid4())}
    statuses = sent_at_once(scene["base"], url, session, form, copies=3)
    assert statuses == [302, 302, 302], "no copy is told it has answered already"
    assert Answer.objects.filter(author=scene["members"][3]).count() == 1


def test_editing_while_others_reply_keeps_every_reply(scene):
    author_session = scene["sessions"][0]
    answer = scene["answer"]
    edit_url = reverse("discussion:answer_edit", args=[scene["group"].slug, answer.pk])
    reply_url = reverse("discussion:comment_create", args=[scene["group"].slug, answer.pk])
    jobs = [("edit", author_session, f"Opening, take {i}.") for i in range(10)] + [
        ("reply", session, f"Reply {n}.") for n, session in enumerate(scene["sessions"][1:])
    ]

    def run(job) -> int:
        kind, session, body = job
        return post(
            scene["base"], edit_url if kind == "edit" else reply_url, session, {"body": body}
        )

    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(pool.map(run, jobs))
    assert set(statuses) == {302}
    assert Comment.objects.filter(answer=answer).count() == len(scene["sessions"]) - 1
    answer.refresh_from_db()
    assert answer.body.startswith("Opening, take ")
