"""A question's discussion in a real browser: answers, comments, replies, notifications,
moderation, posting without JavaScript, refused posts and a deep thread on a phone.

Each test drives one journey through the pages as a person would. What happened before that
journey (the group with answer-first on, earlier answers and comments) is set up through the
services, the same functions the views call, so every journey starts from a known state.
"""

import re
from contextlib import contextmanager
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from content.models import Question
from studygroup.discussion import services as discussion
from studygroup.discussion.models import COMMENTS_FIRST, Answer, Comment
from studygroup.groups import services
from studygroup.groups.models import Membership
from studygroup.notifications.models import Notification
from tests.support import PASSWORD, log_in, signed_in, user, worker_tells

PHONE = {"width": 390, "height": 844}

ANNA = "Anna Petrova"
BORIS = "Boris Ivanov"
CLARA = "Clara Zetkin"
ANNAS_ANSWER = "The soviets held *real* power; see [the April Theses](https://example.org/april)."
BORIS_ANSWER = "Dual power could not last: one side had to give way."
BORIS_COMMENT = "But who held the army in July?"
ANNAS_REPLY = "The garrison, mostly, and it wavered."


# Set-up -------------------------------------------------------------------------------------


@pytest.fixture
def group(facilitator, shipped_text):
    """Answer-first is on: members see the others' answers once they have posted their own."""
    return services.group_create(
        user=facilitator, text=shipped_text, name="Tuesday Readers", answer_first=True
    )


@pytest.fixture
def anna(django_user_model, group):
    return member(django_user_model, group, "anna", ANNA)


@pytest.fixture
def boris(django_user_model, group):
    return member(django_user_model, group, "boris", BORIS)


@pytest.fixture
def clara(django_user_model, group):
    return member(django_user_model, group, "clara", CLARA)


@pytest.fixture
def question(group) -> Question:
    return group.questions().first()


@pytest.fixture
def answers(group, question, anna, boris) -> dict:
    """Anna and Boris have both answered the first question."""
    return {
        "anna": answer_post(group, anna, question, ANNAS_ANSWER),
        "boris": answer_post(group, boris, question, BORIS_ANSWER),
    }


@pytest.fixture
def boris_comment(group, answers, boris) -> Comment:
    """Boris comments on Anna's answer (and Anna is notified)."""
    return comment_post(group, boris, answers["anna"], BORIS_COMMENT)


def member(django_user_model, group, username: str, display_name: str):
    person = user(django_user_model, username, display_name)
    Membership.objects.create(group=group, user=person)
    return person


def membership(group, person) -> Membership:
    return Membership.objects.get(group=group, user=person)


def answer_post(group, person, question, body: str) -> Answer:
    return discussion.answer_post(
        membership=membership(group, person), question=question, body=body
    )


def comment_post(group, person, answer, body: str, parent=None) -> Comment:
    return discussion.comment_post(
        membership=membership(group, person), answer=answer, body=body, parent=parent
    )


def question_url(live_server, group, question) -> str:
    return f"{live_server.url}/groups/{group.slug}/questions/{question.pk}/"


def open_question(page, live_server, group, question) -> None:
    page.goto(question_url(live_server, group, question))
    expect(page.get_by_role("heading", level=1)).to_have_text(question.body)


def answer_by(page, name: str):
    """An answer on the page: an <article> named after its author."""
    return page.get_by_role("article", name=name, exact=True)


def comments_on(answer):
    """The comments under an answer, in reading order (replies follow what they answer)."""
    return answer.locator("ol.thread > li")


def comment_saying(answer, text: str):
    return comments_on(answer).filter(has_text=text)


def disclosure(scope, name: str):
    """A <details> control's <summary>: "Comment on this answer"."""
    return scope.locator("summary").filter(has_text=re.compile(rf"^{re.escape(name)}\b"))


def action(scope, name: str):
    """A post's own control, a link that brings its form (in place, or as a page without
    JavaScript): "Reply", "Edit", "Delete", "Hide", "Show again"."""
    return scope.locator(".post-actions").first.get_by_role(
        "link", name=re.compile(rf"^{re.escape(name)}\b")
    )


@contextmanager
def in_place(page):
    """The block's actions swap part of the page: no page load, the address stays."""
    url = page.url
    page.evaluate("window.stillThisPage = true")
    yield
    assert page.evaluate("window.stillThisPage === true"), "the page was loaded again"
    assert page.url == url


# Journeys -----------------------------------------------------------------------------------


def test_member_posts_a_markdown_answer_in_place(new_page, live_server, group, question, anna):
    page = new_page()
    log_in(page, live_server, "anna", through_the_form=True)
    open_question(page, live_server, group, question)
    expect(page.get_by_role("status")).to_contain_text("no one else has answered yet")

    with in_place(page):
        page.get_by_label("Your answer", exact=True).fill(ANNAS_ANSWER)
        page.get_by_role("button", name="Post your answer").click()
        mine = answer_by(page, ANNA)
        expect(mine).to_contain_text("The soviets held real power; see the April Theses.")

    expect(mine.locator(".post-body em")).to_have_text("real")
    link = mine.get_by_role("link", name="the April Theses")
    expect(link).to_have_attribute("href", "https://example.org/april")
    expect(link).to_have_attribute("rel", re.compile(r"\bnofollow\b"))
    # One answer each: the form gives way to the answer's own Edit and Delete.
    expect(page.get_by_label("Your answer", exact=True)).to_have_count(0)
    expect(action(mine, "Edit")).to_be_visible()
    assert Answer.objects.get(author=anna).body == ANNAS_ANSWER


def test_answer_first_then_comment_on_anothers_answer(
    new_page, live_server, group, question, anna, boris
):
    answer_post(group, anna, question, ANNAS_ANSWER)
    page = new_page()
    signed_in(page, live_server, "boris")
    open_question(page, live_server, group, question)

    expect(page.get_by_role("status")).to_have_text(
        "Answer first: 1 member has answered. Post your answer to see it and join the discussion."
    )
    expect(page.get_by_text("The soviets held")).to_have_count(0)
    expect(answer_by(page, ANNA)).to_have_count(0)

    with in_place(page):
        page.get_by_label("Your answer", exact=True).fill(BORIS_ANSWER)
        page.get_by_role("button", name="Post your answer").click()
        expect(answer_by(page, BORIS)).to_contain_text(BORIS_ANSWER)
        annas = answer_by(page, ANNA)
        expect(annas).to_contain_text("The soviets held real power")
        expect(page.get_by_text("Answer first:")).to_have_count(0)

        disclosure(annas, "Comment on this answer").click()
        annas.get_by_label("Your comment", exact=True).fill(BORIS_COMMENT)
        annas.get_by_role("button", name="Comment", exact=True).click()
        expect(comments_on(annas)).to_have_count(1)
        expect(comments_on(annas).first).to_contain_text(BORIS)
        expect(comments_on(annas).first).to_contain_text(BORIS_COMMENT)

    expect(comments_on(answer_by(page, BORIS))).to_have_count(0)
    comment = Comment.objects.get()
    assert (comment.author, comment.answer.author, comment.parent) == (boris, anna, None)


def test_notified_member_follows_the_bell_and_replies_to_the_reply(
    new_page, live_server, group, question, anna, boris, boris_comment
):
    page = new_page()
    log_in(page, live_server, "anna")
    bell = page.get_by_role("navigation", name="Site").get_by_role(
        "link", name=re.compile(r"^Notifications")
    )
    # Boris's answer (Anna watches the question she answered) and his reply to her.
    expect(bell).to_have_accessible_name("Notifications 2 unread")
    expect(bell.locator(".count")).to_have_text("2 unread")
    bell.click()

    expect(page.get_by_role("heading", level=1, name="Notifications")).to_be_visible()
    page.get_by_role("button", name=f"{BORIS} replied to your answer").click()
    expect(page).to_have_url(f"{live_server.url}{boris_comment.get_absolute_url()}")
    expect(bell).to_have_accessible_name("Notifications 1 unread")  # that one read now
    annas = answer_by(page, ANNA)
    boris_says = comment_saying(annas, BORIS_COMMENT)
    expect(boris_says).to_have_attribute("id", f"comment-{boris_comment.pk}")
    expect(boris_says).to_be_in_viewport()

    with in_place(page):
        action(boris_says, "Reply").click()  # its form comes in place
        boris_says.get_by_label("Your reply", exact=True).fill(ANNAS_REPLY)
        boris_says.get_by_role("button", name="Reply", exact=True).click()
        thread = comments_on(annas)
        expect(thread).to_have_count(2)

    expect(thread.nth(0)).to_contain_text(BORIS_COMMENT)
    expect(thread.nth(1)).to_contain_text(ANNA)
    expect(thread.nth(1)).to_contain_text(ANNAS_REPLY)
    expect(thread.nth(0)).to_have_class(re.compile(r"\bindent-0\b"))
    expect(thread.nth(1)).to_have_class(re.compile(r"\bindent-1\b"))
    indent = [item.bounding_box()["x"] for item in thread.all()]
    assert indent[1] > indent[0], f"the reply is not indented: {indent}"
    reply = Comment.objects.get(parent=boris_comment)
    assert reply.author == anna
    assert Notification.objects.get(recipient=boris).text.startswith(
        f"{ANNA} replied to your comment on “"
    )


def test_facilitator_hides_a_comment_and_the_thread_keeps_its_shape(
    new_page, live_server, group, question, anna, boris, answers, boris_comment
):
    comment_post(group, anna, answers["anna"], ANNAS_REPLY, parent=boris_comment)
    reason = "Please keep to the text."

    annas_page = new_page()
    signed_in(annas_page, live_server, "anna")
    open_question(annas_page, live_server, group, question)
    expect(comments_on(answer_by(annas_page, ANNA))).to_have_count(2)

    page = new_page()
    signed_in(page, live_server, "fran")
    open_question(page, live_server, group, question)
    boris_says = comment_saying(answer_by(page, ANNA), BORIS_COMMENT)
    with in_place(page):
        action(boris_says, "Hide").click()
        boris_says.get_by_label("Reason (the author sees it)").fill(reason)
        boris_says.get_by_role("button", name="Hide the comment").click()
        hidden = comments_on(answer_by(page, ANNA)).first
        expect(hidden).to_contain_text(f"Hidden by a facilitator: {reason}")
        expect(action(hidden, "Show again")).to_be_visible()
    expect(hidden).to_contain_text(BORIS_COMMENT)  # the facilitator still reads it

    # Anna, on reload: a placeholder where the comment was, her reply still under it.
    annas_page.reload()
    thread = comments_on(answer_by(annas_page, ANNA))
    expect(thread).to_have_count(2)
    expect(thread.nth(0)).to_contain_text("Hidden by a facilitator.")
    expect(thread.nth(0)).not_to_contain_text(BORIS_COMMENT)
    expect(thread.nth(0)).not_to_contain_text(reason)
    expect(thread.nth(0)).to_have_attribute("id", f"comment-{boris_comment.pk}")
    expect(thread.nth(1)).to_contain_text(ANNAS_REPLY)
    expect(thread.nth(1)).to_have_class(re.compile(r"\bindent-1\b"))
    expect(annas_page.get_by_text(BORIS_COMMENT)).to_have_count(0)

    # Boris still sees his own words, and why they are hidden.
    boris_page = new_page()
    signed_in(boris_page, live_server, "boris")
    open_question(boris_page, live_server, group, question)
    his = comments_on(answer_by(boris_page, ANNA)).first
    expect(his).to_contain_text(BORIS_COMMENT)
    expect(his).to_contain_text(f"Hidden by a facilitator: {reason}")


def test_without_javascript_a_member_answers_and_replies(
    new_page, live_server, group, question, clara, boris_comment
):
    page = new_page(java_script_enabled=False)
    signed_in(page, live_server, "clara")
    open_question(page, live_server, group, question)
    expect(page.get_by_role("status")).to_contain_text("Answer first: 2 members have answered.")

    page.get_by_label("Your answer", exact=True).fill("Bread, peace and land won the cities.")
    with page.expect_navigation():
        page.get_by_role("button", name="Post your answer").click()
    hers = Answer.objects.get(author=clara)
    expect(page).to_have_url(f"{question_url(live_server, group, question)}#answer-{hers.pk}")
    expect(answer_by(page, CLARA)).to_contain_text("Bread, peace and land won the cities.")
    expect(answer_by(page, CLARA)).to_be_in_viewport()
    annas = answer_by(page, ANNA)
    expect(annas).to_contain_text("The soviets held real power")

    boris_says = comment_saying(annas, BORIS_COMMENT)
    with page.expect_navigation():  # without JavaScript the reply form is a page
        action(boris_says, "Reply").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your reply")
    page.get_by_label("Your reply", exact=True).fill("The Petrograd garrison, surely.")
    with page.expect_navigation():
        page.get_by_role("button", name="Reply", exact=True).click()

    reply = Comment.objects.get(author=clara)
    assert reply.parent == boris_comment
    # Back on the reply's permalink: its answer's page, where the whole thread is.
    expect(page).to_have_url(f"{live_server.url}{reply.get_absolute_url()}")
    thread = comments_on(answer_by(page, ANNA))
    expect(thread).to_have_count(2)
    expect(thread.nth(1)).to_have_attribute("id", f"comment-{reply.pk}")
    expect(thread.nth(1)).to_contain_text(CLARA)
    expect(thread.nth(1)).to_contain_text("The Petrograd garrison, surely.")
    expect(thread.nth(1)).to_have_class(re.compile(r"\bindent-1\b"))


def test_refused_posts_say_why_in_place_and_keep_the_form(
    new_page, live_server, group, question, answers, clara, settings
):

    # An empty comment: the browser itself stops a blank one, the server one of spaces.
    page = new_page()
    signed_in(page, live_server, "anna")
    open_question(page, live_server, group, question)
    boris_answer = answer_by(page, BORIS)
    with in_place(page):
        disclosure(boris_answer, "Comment on this answer").click()
        box = boris_answer.get_by_label("Your comment", exact=True)
        boris_answer.get_by_role("button", name="Comment", exact=True).click()
        assert box.evaluate("field => field.validity.valueMissing")
        box.fill("   ")
        boris_answer.get_by_role("button", name="Comment", exact=True).click()
        expect(boris_answer).to_contain_text("Write something first: the post is empty.")
        box = boris_answer.get_by_label("Your comment", exact=True)
        expect(box).to_be_visible()
        expect(box).to_be_editable()
    assert not Comment.objects.exists()

    # The form stays usable: the comment goes through once written.
    with in_place(page):
        box.fill("Land first, then bread.")
        boris_answer.get_by_role("button", name=re.compile(r"^(Comment|Post)$")).click()
        expect(comments_on(boris_answer)).to_have_count(1)
        expect(comments_on(boris_answer)).to_contain_text("Land first, then bread.")
    expect(boris_answer).not_to_contain_text("Write something first")

    # An answer over the limit: the reason, and the words still in the box.
    too_long = ("All power to the soviets, said the posters that spring. " * 180).strip()
    assert len(too_long) > 10_000
    clara_page = new_page()  # Clara has not answered yet
    signed_in(clara_page, live_server, "clara")
    open_question(clara_page, live_server, group, question)
    with in_place(clara_page):
        clara_page.get_by_label("Your answer", exact=True).fill(too_long)
        clara_page.get_by_role("button", name="Post your answer").click()
        expect(
            clara_page.locator("#answer-form").get_by_text(
                re.compile(
                    rf"The post is {len(too_long):,} characters long; the limit is 10,000\. "
                    r"Shorten it\.$"
                )
            )
        ).to_be_visible()
        expect(clara_page.get_by_label("Your answer", exact=True)).to_have_value(too_long)
    expect(clara_page.get_by_role("status")).to_contain_text("2 members have answered")
    assert not Answer.objects.filter(author=clara).exists()

    # Over the posting limit: the reason beside the form that was sent, not at the top of
    # a long page; the words stay in the box.
    settings.RATE_LIMITS_ENABLED = True
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "post": (0, 300)}  # none left
    new_page.allow(r"429")
    disclosure(boris_answer, "Comment on this answer").click()
    boris_answer.get_by_label("Your comment", exact=True).fill("One more thing.")
    boris_answer.get_by_role("button", name=re.compile(r"^(Comment|Post)$")).click()
    expect(page.get_by_role("alert")).to_contain_text("Too many tries")
    expect(page.locator("#htmx-error + form").get_by_label("Your comment")).to_have_value(
        "One more thing."
    )


def test_a_deep_reply_thread_fits_a_phone(new_page, live_server, group, question, anna, answers):
    boris = answers["boris"].author
    source = "https://example.org/archive/1917/petrograd-soviet-minutes-" + "x" * 60
    parent = None
    for depth in range(7):  # a comment and six replies under it, each to the one before
        person = boris if depth % 2 == 0 else anna
        body = f"Reply at depth {depth}: the Bolsheviks and the Left SRs argued it out."
        if depth == 6:  # the deepest also quotes a long unbroken address
            body += f" See {source}"
        parent = comment_post(group, person, answers["anna"], body, parent=parent)

    phone = new_page(viewport=PHONE, is_mobile=True, has_touch=True)
    signed_in(phone, live_server, "anna")
    open_question(phone, live_server, group, question)
    thread = comments_on(answer_by(phone, ANNA))
    expect(thread).to_have_count(7)
    expect(thread.last).to_have_class(re.compile(r"\bindent-4\b"))
    expect(thread.last).to_contain_text(f"replying to {ANNA}")
    expect(thread.last).to_contain_text(source)

    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the question page scrolls sideways: {width}px wide"
    for item in thread.all():
        box = item.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], box


def live_region(page):
    """The polite live region site.js keeps for what an in-place post did."""
    return page.locator("[aria-live=polite]")


def test_focus_moves_to_the_new_post_and_it_is_announced(
    new_page, live_server, group, question, answers, clara
):
    page = new_page()
    signed_in(page, live_server, "clara")
    open_question(page, live_server, group, question)
    expect(live_region(page)).to_have_count(1)
    expect(live_region(page)).to_have_text("")

    # An answer: with answer-first on, the others' arrive with it; focus is on hers.
    with in_place(page):
        page.get_by_label("Your answer", exact=True).fill("Bread, peace and land won the cities.")
        page.get_by_role("button", name="Post your answer").click()
        hers = answer_by(page, CLARA)
        expect(hers).to_be_focused()
    expect(hers).to_have_attribute("id", f"answer-{Answer.objects.get(author=clara).pk}")
    expect(live_region(page)).to_have_text("Your answer is posted.")

    # A comment on another's answer: focus is on the comment, not on the page's <body>.
    annas = answer_by(page, ANNA)
    with in_place(page):
        disclosure(annas, "Comment on this answer").click()
        annas.get_by_label("Your comment", exact=True).fill(BORIS_COMMENT)
        annas.get_by_role("button", name="Comment", exact=True).click()
        comment = comment_saying(annas, BORIS_COMMENT)
        expect(comment).to_be_focused()
    expect(comment).to_have_attribute("id", f"comment-{Comment.objects.get().pk}")
    expect(live_region(page)).to_have_text("Your comment is posted.")
    page.keyboard.press("Tab")  # on from there, into the comment's own links
    assert page.evaluate("document.activeElement.closest('.comment')?.id") == comment.get_attribute(
        "id"
    )

    # A reply to it: focus moves on to the reply, and the region says so.
    with in_place(page):
        action(comment, "Reply").click()
        comment.get_by_label("Your reply", exact=True).fill(ANNAS_REPLY)
        comment.get_by_role("button", name="Reply", exact=True).click()
        reply = comment_saying(annas, ANNAS_REPLY)
        expect(reply).to_be_focused()
    expect(reply).to_have_class(re.compile(r"\bindent-1\b"))
    expect(live_region(page)).to_have_text("Your reply is posted.")


# Beyond the acceptance list: bad input the journeys above led to. ---------------------------


def test_a_refused_comment_keeps_its_own_label(new_page, live_server, group, question, answers):
    # Fran has not answered (facilitators need not), so the page has her answer box too.
    page = new_page()
    signed_in(page, live_server, "fran")
    open_question(page, live_server, group, question)
    boris_answer = answer_by(page, BORIS)
    disclosure(boris_answer, "Comment on this answer").click()
    boris_answer.get_by_label("Your comment", exact=True).fill("   ")
    boris_answer.get_by_role("button", name="Comment", exact=True).click()
    expect(boris_answer).to_contain_text("Write something first: the post is empty.")

    boris_answer.get_by_text("Your comment", exact=True).click()
    page.keyboard.type("Land first, then bread.")
    # What was typed stays (here, the spaces), and the label leads to this box.
    expect(boris_answer.locator("form textarea")).to_have_value(
        re.compile(r"^\s*Land first, then bread\.\s*$"), timeout=2_000
    )
    expect(page.get_by_label("Your answer", exact=True)).to_have_value("")


def test_hiding_without_a_reason_says_why_in_place(
    new_page, live_server, group, question, boris_comment
):
    page = new_page()
    signed_in(page, live_server, "fran")
    open_question(page, live_server, group, question)
    boris_says = comment_saying(answer_by(page, ANNA), BORIS_COMMENT)
    with in_place(page):
        action(boris_says, "Hide").click()
        boris_says.get_by_label("Reason (the author sees it)").fill("   ")
        boris_says.get_by_role("button", name="Hide the comment").click()
        # The refusal is a 400 that htmx does not swap; the page says why in an alert.
        expect(page.get_by_role("alert")).to_contain_text(
            "Give a reason: the author will see it.", timeout=2_000
        )
    assert not Comment.objects.get().is_hidden


# A session that ends mid-comment ---------------------------------------------------------


@pytest.mark.parametrize("javascript", [True, False], ids=["htmx", "no-js"])
def test_a_session_that_ends_mid_comment_keeps_the_text(
    new_page, live_server, group, question, answers, javascript
):
    from django.contrib.sessions.models import Session

    typed = "Half an hour of typing that must survive the log-in."
    new_page.allow(r"\b401\b")  # the refused post, as the browser and htmx log it
    page = new_page(java_script_enabled=javascript)
    signed_in(page, live_server, "anna")
    open_question(page, live_server, group, question)
    boris_answer = answer_by(page, BORIS)
    disclosure(boris_answer, "Comment on this answer").click()
    boris_answer.get_by_label("Your comment", exact=True).fill(typed)
    Session.objects.all().delete()  # the session expires while Anna types

    if javascript:
        boris_answer.get_by_role("button", name="Comment", exact=True).click()
        expect(page.get_by_role("alert")).to_contain_text("Your session has ended")
        expect(boris_answer.get_by_label("Your comment", exact=True)).to_have_value(typed)
        login = page.locator("[data-login-needed]")
        login.get_by_label("Username").fill("anna")
        login.get_by_label("Password").fill(PASSWORD)
        login.get_by_role("button", name="Log in").click()
        expect(page.get_by_role("status").filter(has_text="logged in again")).to_be_visible()
        expect(boris_answer.get_by_label("Your comment", exact=True)).to_have_value(typed)
        boris_answer.get_by_role("button", name="Comment", exact=True).click()
        expect(comment_saying(boris_answer, typed)).to_have_count(1)
    else:
        with page.expect_navigation():
            boris_answer.get_by_role("button", name="Comment", exact=True).click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Log in")
        page.get_by_label("Username").fill("anna")
        page.get_by_label("Password").fill(PASSWORD)
        with page.expect_navigation():
            page.get_by_role("button", name="Log in").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Your comment")
        expect(page.get_by_label("Your comment", exact=True)).to_have_value(typed)
        with page.expect_navigation():
            page.get_by_role("button", name="Comment", exact=True).click()
        expect(comment_saying(answer_by(page, BORIS), typed)).to_have_count(1)
    assert Comment.objects.filter(body=typed).count() == 1


def test_a_member_chooses_the_daily_digest_and_its_link_lands_on_the_reply(
    new_page, live_server, group, question, anna, boris, answers, settings, mailoutbox
):
    from django.utils import timezone

    from studygroup.notifications.tasks import send_digest

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}  # queued
    page = new_page()
    signed_in(page, live_server, "anna")
    page.goto(f"{live_server.url}/accounts/profile/")
    page.get_by_role("radio", name="A daily digest, in the morning").check()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Your profile is saved.")).to_be_visible()
    expect(page.get_by_role("radio", name="A daily digest, in the morning")).to_be_checked()

    # What came before (Boris's answer, on the question she watches) she has read, by e-mail.
    Notification.objects.filter(recipient=anna).update(read=timezone.now())
    mailoutbox.clear()
    reply = comment_post(group, boris, answers["anna"], BORIS_COMMENT)
    worker_tells()
    assert not [m for m in mailoutbox if m.to == [anna.email]], "nothing until the morning"
    anna.refresh_from_db()
    assert anna.digest_due is not None
    assert send_digest.call(anna.pk) == 1  # what the worker does at 07:00
    [mail] = [m for m in mailoutbox if m.to == [anna.email]]
    assert mail.subject == "Your study groups: 1 new"
    link = re.search(r"http\S+#comment-\d+", mail.body).group(0)
    page.goto(link.replace(settings.SITE_URL, live_server.url))
    boris_says = comment_saying(answer_by(page, ANNA), BORIS_COMMENT)
    expect(boris_says).to_have_attribute("id", f"comment-{reply.pk}")
    expect(boris_says).to_be_in_viewport()


# Issue 13: a notification behind "Show more comments", and what is new since the last visit.


def test_a_notification_leads_to_a_comment_the_question_page_keeps_behind_show_more(
    new_page, live_server, group, question, anna, boris, clara, answers
):
    answer_post(group, clara, question, "Bread, peace and land won the cities.")
    for n in range(COMMENTS_FIRST):  # the first screen of comments under Anna's answer
        comment_post(group, clara, answers["anna"], f"Clara's point number {n + 1}.")
    annas = comment_post(group, anna, answers["anna"], "And the Kronstadt sailors?")
    reply = comment_post(group, boris, answers["anna"], BORIS_COMMENT, parent=annas)

    page = new_page()
    signed_in(page, live_server, "anna")
    open_question(page, live_server, group, question)
    thread = answer_by(page, ANNA)
    expect(comments_on(thread)).to_have_count(COMMENTS_FIRST + 1)  # and the "more" line
    expect(thread.get_by_role("link", name="Show 2 more comments")).to_be_visible()
    expect(page.locator(f"#comment-{reply.pk}")).to_have_count(0)

    page.get_by_role("navigation", name="Site").get_by_role(
        "link", name=re.compile(r"^Notifications")
    ).click()
    page.get_by_role("button", name=f"{BORIS} replied to your comment").click()
    expect(page).to_have_url(f"{live_server.url}{reply.get_absolute_url()}")
    boris_says = comment_saying(answer_by(page, ANNA), BORIS_COMMENT)
    expect(boris_says).to_have_attribute("id", f"comment-{reply.pk}")
    expect(boris_says).to_have_class(re.compile(r"\bindent-1\b"))  # under Anna's comment
    expect(boris_says).to_be_visible()
    expect(boris_says).to_be_in_viewport()


def new_badge(scope):
    """The "New" a post carries when posted since the viewer's last visit of the page."""
    return scope.get_by_text("New since your last visit", exact=True)


def test_new_since_the_last_visit_is_counted_on_the_group_page_and_marked_once(
    new_page, live_server, group, question, anna, boris, answers
):
    starts = timezone.now() + timedelta(days=7)
    services.meeting_save(
        group=group, starts_at=starts, ends_at=starts + timedelta(hours=1), questions=[question]
    )
    page = new_page()
    signed_in(page, live_server, "anna")
    open_question(page, live_server, group, question)
    expect(new_badge(page)).to_have_count(0)  # a first visit: nothing is new

    # While she is away Boris comments on her answer, and she answers him (from her phone).
    boris_says = comment_post(group, boris, answers["anna"], BORIS_COMMENT)
    comment_post(group, anna, answers["anna"], ANNAS_REPLY, parent=boris_says)

    page.get_by_role("link", name=group.name).first.click()
    expect(page.get_by_role("heading", level=1, name=group.name)).to_be_visible()
    line = (
        page.get_by_role("region", name="Up next")
        .get_by_role("listitem")
        .filter(has=page.get_by_role("link", name=question.body))
    )
    expect(line).to_contain_text("1 new")  # his comment; her own reply is not news to her
    line.get_by_role("link", name=question.body).click()

    expect(page.get_by_role("heading", level=1)).to_have_text(question.body)
    annas = answer_by(page, ANNA)
    expect(new_badge(comment_saying(annas, BORIS_COMMENT))).to_be_visible()
    expect(new_badge(comment_saying(annas, ANNAS_REPLY))).to_have_count(0)
    expect(new_badge(annas.locator(".post-meta").first)).to_have_count(0)
    expect(new_badge(annas.locator("ol.thread"))).to_have_count(1)
    expect(new_badge(answer_by(page, BORIS))).to_have_count(0)  # posted before her visit

    page.reload()
    expect(comment_saying(answer_by(page, ANNA), BORIS_COMMENT)).to_be_visible()
    expect(new_badge(page)).to_have_count(0)
