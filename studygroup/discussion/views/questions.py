"""A question's discussion in a group. Every write works as htmx (the page's partials swap in
place) and as a plain form that redirects back to the right spot; every form has a page of
its own (GET), so a link works where JavaScript does not."""

import uuid
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_safe

from content import compiled
from content.models import Chapter, Question
from studygroup.accounts.drafts import take_draft
from studygroup.accounts.http import AuthenticatedHtmxHttpRequest, AuthenticatedHttpRequest
from studygroup.core.http import parse_id
from studygroup.core.ratelimit import limited
from studygroup.groups.access import group_for_facilitator, group_for_member
from studygroup.groups.models import Membership, StudyGroup

from .. import citations, services, threads
from ..access import answer_for_member, comment_for_member, question_for_group
from ..forms import AnswerForm, CommentForm, DiscussionForm
from ..models import Comment
from ..rules import standing
from .posts import (
    FORM_OR_WRITE,
    answer_fragment,
    delete,
    edit,
    form_page,
    moderate,
    question_url,
    readable_html,
)

# ---------------------------------------------------------------- reading


def _page_context(
    group: StudyGroup, membership: Membership, question: Question, **thread: Any
) -> dict[str, Any]:
    return {
        "group": group,
        "membership": membership,
        "question": question,
        "thread": threads.thread_page(group, question, membership, **thread),
    }


@login_required
@require_safe
def question(request: AuthenticatedHtmxHttpRequest, slug: str, question_id: int) -> HttpResponse:
    group, membership = group_for_member(request, slug)
    q = question_for_group(group, question_id)
    after = request.GET.get("after")
    if after is not None:  # more answers: the same visit, what is new as the page said
        context = _page_context(group, membership, q, after_answer=parse_id(after))
        if request.htmx:
            return render(request, "discussion/question.html#answers_page", context)
        return render(request, "discussion/question_page.html", context)
    if request.method == "GET":  # the page itself is a visit (its fragments are not)
        since = services.visit_record(membership=membership, question=q)
        standing(membership, q).knows_new_since(since)
    context = _page_context(group, membership, q)
    # The chapters it concerns and the meetings that set it, by date: the header says them.
    values: compiled.Values = {"question_id": q.pk}
    context["question_chapters"] = compiled.objects("question-chapters", _chapters_of, values)
    context["meetings"] = [
        m for m in group.schedule() if any(x.pk == q.pk for x in m.questions.all())
    ]
    # An answer sent after the session ended comes back here, after log-in, filled in.
    kept = take_draft(request, reverse("discussion:answer_create", args=[group.slug, q.pk]))
    # "Cite" in the reading view (?cite=15.11): the answer starts with the passage quoted,
    # or, once the member has answered, their answer's edit form adds it.
    quote = citations.quote_start(group, request.GET.get("cite"))
    if quote and context["thread"].my_answer:
        edit = reverse("discussion:answer_edit", args=[group.slug, context["thread"].my_answer.pk])
        context["cite_edit"] = f"{edit}?cite={request.GET['cite']}"  # validated: digits, a dot
        context["cite_reference"] = request.GET["cite"]
    elif quote and not kept:
        kept = {"body": quote}
    context["answer_form"] = AnswerForm(initial={"token": uuid.uuid4(), **kept})
    if membership.is_facilitator:
        discussion = context["thread"].standing.discussion
        context["settings_form"] = DiscussionForm(
            initial={
                "locked": bool(discussion and discussion.locked),
                "answer_first": {None: "", True: "on", False: "off"}[
                    discussion.answer_first if discussion else None
                ],
            }
        )
    return render(request, "discussion/question.html", context)


def _chapters_of(question_id: int) -> QuerySet[Chapter]:
    return Chapter.objects.filter(questions=question_id).order_by("number")


@login_required
@require_safe
def question_all(request: AuthenticatedHttpRequest, slug: str, question_id: int) -> HttpResponse:
    """Every answer with every comment, to read straight through or print."""
    group, membership = group_for_member(request, slug)
    q = question_for_group(group, question_id)
    return render(
        request, "discussion/question_all.html", _page_context(group, membership, q, full=True)
    )


@login_required
@require_safe
def answer_thread(request: AuthenticatedHttpRequest, slug: str, answer_id: int) -> HttpResponse:
    """One answer with its whole thread: where "more" links lead without JavaScript."""
    group, membership = group_for_member(request, slug)
    answer = answer_for_member(group, membership, answer_id)
    here = standing(membership, answer.question)
    return render(
        request,
        "discussion/answer.html",
        {
            "group": group,
            "membership": membership,
            "question": answer.question,
            "thread": threads.ThreadPage(here),
            "answer": threads.answer_card(here, answer, full=True),
        },
    )


@login_required
@require_safe
def comments_more(request: AuthenticatedHtmxHttpRequest, slug: str, answer_id: int) -> HttpResponse:
    """The next comments of an answer's thread, after the last one on screen (htmx)."""
    group, membership = group_for_member(request, slug)
    answer = answer_for_member(group, membership, answer_id)
    if not request.htmx:
        return redirect(reverse("discussion:answer", args=[group.slug, answer.pk]))
    comments, more_url = threads.more_comments(
        standing(membership, answer.question), answer, request.GET.get("after", "")
    )
    return render(
        request,
        "discussion/question.html#comments_page",
        {"group": group, "membership": membership, "comments": comments, "more_url": more_url},
    )


# ---------------------------------------------------------------- answers


@login_required
@FORM_OR_WRITE
def answer_create(
    request: AuthenticatedHtmxHttpRequest, slug: str, question_id: int
) -> HttpResponse:
    group, membership = group_for_member(request, slug)
    q = question_for_group(group, question_id)
    if request.method != "POST":  # the form lives on the question's page
        return redirect(question_url(group, q.pk, "answer-form"))
    if refused := limited(request, "post", str(request.user.pk)):
        return refused
    form = AnswerForm(request.POST)
    if form.is_valid():
        try:
            answer = services.answer_post(
                membership=membership,
                question=q,
                body=form.cleaned_data["body"],
                token=form.cleaned_data["token"],
            )
        except services.DiscussionError as exc:
            form.add_error("body", str(exc))
        else:
            if request.htmx:
                return render(
                    request,
                    "discussion/question.html#answers",
                    {
                        **_page_context(group, membership, q),
                        "answer_form": AnswerForm(initial={"token": uuid.uuid4()}),
                    },
                )
            return redirect(question_url(group, q.pk, f"answer-{answer.pk}"))
    return form_page(
        request,
        form,
        form_id="answer-form",
        title="Your answer",
        back=question_url(group, q.pk),
        target="#answers",
        submit="Post your answer",
        status=400,
    )


@login_required
@FORM_OR_WRITE
def answer_edit(request: AuthenticatedHtmxHttpRequest, slug: str, answer_id: int) -> HttpResponse:
    group, membership = group_for_member(request, slug)
    return edit(request, membership, answer_for_member(group, membership, answer_id), AnswerForm)


@login_required
@FORM_OR_WRITE
def comment_edit(request: AuthenticatedHtmxHttpRequest, slug: str, comment_id: int) -> HttpResponse:
    group, membership = group_for_member(request, slug)
    comment = comment_for_member(group, membership, comment_id)
    return edit(request, membership, comment, CommentForm)


@login_required
@FORM_OR_WRITE
def answer_delete(request: AuthenticatedHtmxHttpRequest, slug: str, answer_id: int) -> HttpResponse:
    group, membership = group_for_member(request, slug)
    return delete(request, membership, answer_for_member(group, membership, answer_id))


@login_required
@FORM_OR_WRITE
def comment_delete(
    request: AuthenticatedHtmxHttpRequest, slug: str, comment_id: int
) -> HttpResponse:
    group, membership = group_for_member(request, slug)
    return delete(request, membership, comment_for_member(group, membership, comment_id))


# ---------------------------------------------------------------- comments


@login_required
@FORM_OR_WRITE
def comment_create(
    request: AuthenticatedHtmxHttpRequest, slug: str, answer_id: int
) -> HttpResponse:
    """GET: the reply form (in place with htmx, a page without); POST: the comment."""
    group, membership = group_for_member(request, slug)
    answer = answer_for_member(group, membership, answer_id)
    parent = None
    kept = take_draft(request, request.path) if request.method != "POST" else {}
    parent_id = request.POST.get("parent") or request.GET.get("parent") or kept.get("parent")
    if parent_id is not None:
        parent = get_object_or_404(
            Comment.objects.select_related("author"), answer=answer, pk=parse_id(parent_id)
        )
    form_id = f"reply-{parent.pk}" if parent else f"comment-on-{answer.pk}"
    back = question_url(group, answer.question_id, f"answer-{answer.pk}")
    if request.method == "POST":
        if refused := limited(request, "post", str(request.user.pk)):
            return refused
        form = CommentForm(request.POST)
        if form.is_valid():
            try:
                comment = services.comment_post(
                    membership=membership,
                    answer=answer,
                    parent=parent,
                    body=form.cleaned_data["body"],
                    token=form.cleaned_data["token"],
                )
            except services.DiscussionError as exc:
                form.add_error("body", str(exc))
            else:
                if request.htmx:
                    return answer_fragment(request, membership, answer, just_posted=comment.pk)
                return redirect(comment.get_absolute_url())  # there even behind "more"
    else:
        standing(membership, answer.question).check_may_comment()
        form = CommentForm(initial={"token": uuid.uuid4(), "body": kept.get("body", "")})
    if parent:
        form.fields["body"].label = "Your reply"
    author = (parent or answer).author
    return form_page(
        request,
        form,
        form_id=form_id,
        title="Your reply" if parent else "Your comment",
        back=back,
        target=f"#answer-{answer.pk}",
        hidden={"parent": parent.pk} if parent else None,
        submit="Reply" if parent else "Comment",
        context_post=f"Replying to {author.name if author else 'a former member'}",
        quoted_html=readable_html(membership, parent or answer),
        status=400 if request.method == "POST" else 200,
    )


# ---------------------------------------------------------------- moderation


@login_required
@FORM_OR_WRITE
def answer_moderate(
    request: AuthenticatedHtmxHttpRequest, slug: str, answer_id: int
) -> HttpResponse:
    group, membership = group_for_facilitator(request, slug)
    return moderate(request, membership, answer_for_member(group, membership, answer_id))


@login_required
@FORM_OR_WRITE
def comment_moderate(
    request: AuthenticatedHtmxHttpRequest, slug: str, comment_id: int
) -> HttpResponse:
    group, membership = group_for_facilitator(request, slug)
    return moderate(request, membership, comment_for_member(group, membership, comment_id))


@login_required
@FORM_OR_WRITE
def question_settings(
    request: AuthenticatedHtmxHttpRequest, slug: str, question_id: int
) -> HttpResponse:
    group, _ = group_for_facilitator(request, slug)
    q = question_for_group(group, question_id)
    if request.method != "POST":  # the form lives on the question's page
        return redirect(question_url(group, q.pk))
    form = DiscussionForm(request.POST)
    if form.is_valid():
        services.discussion_set(
            by=request.user,
            group=group,
            question=q,
            locked=form.cleaned_data["locked"],
            answer_first={"": None, "on": True, "off": False}[form.cleaned_data["answer_first"]],
        )
        messages.success(request, "Saved.")
    return redirect(question_url(group, q.pk))
