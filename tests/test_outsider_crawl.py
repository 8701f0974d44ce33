"""An outsider's crawl: a facilitator of group A requests every URL pattern of the app with the
ids, slugs and codes of group B's objects, and with made-up ones. Every group URL answers
404 (or sends them to log in); no response anywhere carries B's data; nothing is a 500.

The URL patterns come from the resolver, so a new one is crawled without anyone adding it;
a new kind of URL argument fails the test until FILL says what to try for it.
"""

from types import SimpleNamespace

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from content.models import Paragraph, Question
from studygroup.discussion import services as discussion
from studygroup.groups import services as groups
from studygroup.groups.models import JoinRequest, Membership
from tests.support import make_user, still_logged_in

pytestmark = pytest.mark.django_db
MADE_UP = 987_654


def patterns(resolvers=None, namespace=None):
    """(namespaced name, pattern) for every URL the app serves."""
    for entry in resolvers if resolvers is not None else get_resolver().url_patterns:
        if isinstance(entry, URLResolver):
            yield from patterns(entry.url_patterns, entry.namespace or namespace)
        elif isinstance(entry, URLPattern) and entry.name:
            yield (f"{namespace}:{entry.name}" if namespace else entry.name), entry.pattern


@pytest.fixture
def world(facilitator, member, outsider, shipped_text):
    """Group A (the crawler is a member) and group B with everything a group can hold."""
    group_a = groups.group_create(user=facilitator, text=shipped_text, name="Alpha Readers")
    Membership.objects.create(group=group_a, user=member)
    group_b = groups.group_create(user=outsider, text=shipped_text, name="Bravo Secret Circle")
    b_member = make_user("bsecret", "Beatrix Hidden")
    b_membership = Membership.objects.create(group=group_b, user=b_member)
    b_owner = Membership.objects.get(group=group_b, user=outsider)
    from datetime import timedelta

    from django.utils import timezone

    starts = timezone.now() + timedelta(days=3)
    meeting = groups.meeting_save(
        group=group_b,
        starts_at=starts,
        ends_at=starts + timedelta(hours=1),
        chapters=shipped_text.chapters.all()[:1],
        notes="Bravo's private notes",
    )
    own_q = groups.group_question_add(group=group_b, body="Bravo's own secret question?")
    text_q = Question.objects.of_text(shipped_text).first()
    answer = discussion.answer_post(
        membership=b_membership, question=text_q, body="Bravo answer text"
    )
    comment = discussion.comment_post(membership=b_owner, answer=answer, body="Bravo comment")
    # A note in B's margin of ¶15.2: the crawler's group A reads the same text, so the
    # margin's address is one A may open, and B's note must not be in it.
    paragraph = Paragraph.objects.get(chapter__text=shipped_text, chapter__number=15, position=2)
    note = discussion.note_post(
        membership=b_membership, paragraph=paragraph, body="Bravo margin note"
    )
    requester = make_user("bwannabe", "Wanda Waiting")
    request = groups.group_join(user=requester, code=group_b.invite_code)
    assert isinstance(request, JoinRequest)
    # Codes and tokens are capabilities: whoever holds the live one may use it. The crawl
    # tries stale ones (replaced) and made-up ones.
    stale_code = group_b.invite_code
    groups.invite_rotate(group=group_b)
    stale_token = b_member.calendar_token
    b_member.calendar_token = "replaced-" + stale_token[:20]
    b_member.save(update_fields=["calendar_token"])
    secrets = [
        "Bravo Secret Circle",
        "Beatrix Hidden",
        "Wanda Waiting",
        "Bravo answer text",
        "Bravo comment",
        "Bravo margin note",
        "Bravo's own secret question",
        "Bravo's private notes",
        group_b.invite_code,
        b_member.calendar_token,
    ]
    fills = {
        "slug": [group_b.slug, group_a.slug, "no-such-group"],
        "member_id": [b_membership.pk, MADE_UP],
        "request_id": [request.pk, MADE_UP],
        "meeting_id": [meeting.pk, MADE_UP],
        "question_id": [own_q.pk, MADE_UP],
        "answer_id": [answer.pk, MADE_UP],
        "comment_id": [comment.pk, MADE_UP],
        "note_id": [note.pk, MADE_UP],
        "position": [2, MADE_UP],
        "kind": ["chapter", "reading", "bogus"],
        "item_id": [text_q.pk, MADE_UP],
        "code": [stale_code, "made-up-code"],
        "token": [stale_token, "made-up-token"],
        "uidb64": ["MQ"],
        "number": [15, MADE_UP],  # group A has a chapter 15: its made-up one is the foreign try
        "record_id": [MADE_UP],  # the admin's imports (staff only)
        # the admin's own arguments
        "object_id": [group_b.pk, answer.pk],
        "pk": [shipped_text.pk],
        "id": [outsider.pk],
        "app_label": ["groups", "discussion"],
        "content_type_id": [1],
        "url": ["groups/studygroup/"],
    }
    # The crawler facilitates group A, so no role check stops a request before the lookup
    # of B's object would.
    return SimpleNamespace(
        crawler=facilitator, group_a=group_a, group_b=group_b, secrets=secrets, fills=fills
    )


def urls_for(name: str, pattern, fills: dict, own_slug: str) -> list[tuple[str, bool]]:
    """The pattern with each argument filled in turn from the candidates; each URL comes with
    whether it points at something outside the crawler's own group."""
    converters = list(getattr(pattern, "converters", {}))
    if not converters and hasattr(pattern, "regex"):
        converters = list(pattern.regex.groupindex)
    missing = [arg for arg in converters if arg not in fills]
    assert not missing, f"{name}: add crawl values for {missing} to the world fixture"
    variants = max((len(fills[arg]) for arg in converters), default=1)
    urls = []
    for i in range(variants):
        kwargs = {arg: fills[arg][min(i, len(fills[arg]) - 1)] for arg in converters}
        if name.startswith("content:") and "slug" in kwargs:
            kwargs["slug"] = "russian-revolution-part-2" if i == 0 else "no-such-text"
        try:
            url = reverse(name, kwargs=kwargs)
        except Exception:  # a regex pattern that takes other shapes (the admin's)
            continue
        group_scoped = name.split(":")[0] in ("groups", "discussion") and kwargs
        urls.append((url, bool(group_scoped) and set(kwargs.values()) != {own_slug}))
    return urls


def test_an_outsider_crawls_every_url_and_learns_nothing(world):
    crawled = 0
    client = Client(raise_request_exception=False)
    client.force_login(world.crawler)
    for name, pattern in patterns():
        for url, foreign in urls_for(name, pattern, world.fills, world.group_a.slug):
            for method in ("get", "post"):
                response = getattr(client, method)(url)
                if not still_logged_in(response):  # the crawl logged itself out
                    client.force_login(world.crawler)
                crawled += 1
                where = f"{method.upper()} {url} ({name})"
                assert response.status_code != 500, f"{where}: 500"
                body = response.content.decode(errors="replace")
                for secret in world.secrets:
                    assert secret not in body, f"{where}: shows {secret!r}"
                if foreign:
                    assert response.status_code in (302, 404, 405), where
                    if response.status_code == 302 and "/login/" not in response["Location"]:
                        # A form-only URL sends a GET to the page with its form: that page
                        # must refuse the stranger in turn.
                        assert method == "get", f"{where}: {response['Location']}"
                        onward = client.get(response["Location"])
                        own = f"/groups/{world.group_a.slug}/" in response["Location"]
                        assert onward.status_code in ((200, 404) if own else (404,)), where
                        for secret in world.secrets:
                            assert secret not in onward.content.decode(), f"{where} → {secret}"
                if name.startswith("admin:") and name != "admin:login":  # staff only
                    assert response.status_code in (302, 404, 405), where
    assert crawled > 200
