"""Watching a question: its answerers and the group's facilitators hear of every new post by
default, one line a question while unread; anyone can start or stop, from the question page."""

import pytest
from django.urls import reverse

from studygroup.discussion.rules import forget_standing
from studygroup.notifications import rules, services
from studygroup.notifications.models import Notification, Watch
from tests.support import answer, comment, logged_in, page, question_url

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


def told(user) -> list[str]:
    return [n.text for n in Notification.objects.filter(recipient=user, kind="watched")]


def watch(client, group, question, yes: bool, **extra):
    url = reverse("notifications:watch", args=[group.slug, question.pk])
    return client.post(url, {"watching": "yes" if yes else "no"}, **extra)


def test_answerers_and_facilitators_hear_of_a_new_post(
    group, question, membership, member, mia, mia_membership, facilitator
):
    answer(membership, question, "Max's answer.")
    [line] = told(facilitator)
    assert line.startswith("Max Member answered “"), "facilitators watch every question"
    Notification.objects.all().delete()
    mias = answer(mia_membership, question, "Mia's answer.")
    assert told(member)[0].startswith("Mia Member answered “"), "Max answered: he watches"
    comment(mia_membership, mias, "And a second thought.")
    [line] = told(member)
    assert line.startswith("Mia Member posted on “"), "one line for the question while unread"
    assert told(mia) == [], "never of your own post"


def test_a_member_who_has_not_answered_does_not_watch_until_they_choose(
    group, question, membership, member, mia, mia_membership
):
    client = logged_in(mia)
    html = page(client.get(question_url(group, question)))
    assert 'class="button small secondary" aria-pressed="false">Watch<' in html
    answer(membership, question, "Max's answer.")
    assert told(mia) == []
    assert watch(client, group, question, True)["Location"] == question_url(group, question)
    comment(membership, question.answers.get(), "More.")
    assert told(mia)[0].startswith("Max Member commented on “")


def test_stopping_to_watch_in_place(group, question, membership, member, mia, mia_membership):
    answer(membership, question, "Max's answer.")
    client = logged_in(member)
    assert 'aria-pressed="true">Watching' in page(client.get(question_url(group, question)))
    response = watch(client, group, question, False, headers=HTMX)
    assert response.status_code == 200
    html = page(response)
    assert html.lstrip().startswith("<form") and 'aria-pressed="false">Watch' in html
    answer(mia_membership, question, "Mia's answer.")
    assert told(member) == [], "he stopped watching"
    assert Watch.objects.get(user=member).watching is False


def test_a_reply_is_told_once_not_also_as_watching(
    group, question, membership, member, mia, mia_membership
):
    maxs = answer(membership, question, "Max's answer.")
    comment(mia_membership, maxs, "A reply to Max.")
    kinds = sorted(n.kind for n in Notification.objects.filter(recipient=member))
    assert kinds == ["reply"]


def test_an_outsider_cannot_watch(group, question, outsider):
    response = watch(logged_in(outsider), group, question, True)
    assert response.status_code == 404
    assert not Watch.objects.exists()


def test_the_button_says_what_the_rule_says_in_every_case(
    group, question, membership, mia_membership, fay_membership
):
    """``is_watching`` (one member, the page's button) and ``watching`` (everyone, who is
    told) agree: facilitator, answerer, neither; with no choice, and with either choice."""
    answer(membership, question, "Max's answer.")
    people = [fay_membership, membership, mia_membership]
    for choice in (None, True, False):
        if choice is not None:
            for person in people:
                services.watch_set(membership=person, question=question, watching=choice)
        told = set(rules.watching(group.pk, question.pk).values_list("pk", flat=True))
        for person in people:
            forget_standing(person, question)
            expected = person.pk in told
            assert rules.is_watching(person, question) is expected, (person, choice)
        assert len(told) == {None: 2, True: 3, False: 0}[choice]
