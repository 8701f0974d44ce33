"""A discussion in group A: the member and a second member (Mia) answer the text's questions,
the facilitator moderates; group B (the outsider's) holds posts no one in A may reach."""

import re
from types import SimpleNamespace

import pytest
from django.urls import reverse

from content.models import Question
from studygroup.discussion import services
from studygroup.discussion.models import Answer, Comment
from studygroup.groups.models import Membership, StudyGroup
from tests.conftest import make_user
from tests.groups import conftest as groups

# Group A (the facilitator's, with the member), group B (the outsider's) and a requester,
# as the group tests build them.
group, group_b, membership, requester = (
    groups.group,
    groups.group_b,
    groups.membership,
    groups.requester,
)

HTMX = {"HX-Request": "true"}


def question_url(group: StudyGroup, question: Question, anchor: str = "") -> str:
    url = reverse("discussion:question", args=[group.slug, question.pk])
    return f"{url}#{anchor}" if anchor else url


def url(name: str, group: StudyGroup, obj) -> str:
    return reverse(f"discussion:{name}", args=[group.slug, obj.pk])


def answer(membership: Membership, question: Question, body: str = "An answer.") -> Answer:
    return services.answer_post(membership=membership, question=question, body=body)


def comment(
    membership: Membership, on: Answer, body: str = "A comment.", parent: Comment | None = None
) -> Comment:
    return services.comment_post(membership=membership, answer=on, body=body, parent=parent)


@pytest.fixture
def questions(group) -> list[Question]:
    return list(Question.objects.of_text(group.text))


@pytest.fixture
def question(questions) -> Question:
    return questions[0]


@pytest.fixture
def mia(db):
    return make_user("mia", "Mia Member")


@pytest.fixture
def mia_membership(group, mia) -> Membership:
    return Membership.objects.create(group=group, user=mia)


@pytest.fixture
def fay_membership(group, facilitator) -> Membership:
    return Membership.objects.get(group=group, user=facilitator)


@pytest.fixture
def answer_first(group) -> StudyGroup:
    group.answer_first = True
    group.save(update_fields=["answer_first"])
    return group


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


@pytest.fixture
def elsewhere(group_b, outsider, question):
    """What lives outside group A: group B's answer, comment and own question, and another
    text's question."""
    from content.importer import text_import
    from studygroup.groups.services import group_question_add

    b = Membership.objects.get(group=group_b, user=outsider)
    b_answer = answer(b, question, "Group B's answer.")
    other_text = text_import(
        slug="other", data=b"1. One\nA paragraph.\nQuestions for Discussion\n- Why?\n"
    ).text
    return SimpleNamespace(
        answer=b_answer,
        comment=comment(b, b_answer, "Group B's comment."),
        group_question=group_question_add(group=group_b, body="Only for group B?"),
        other_text_question=Question.objects.get(text=other_text),
    )
