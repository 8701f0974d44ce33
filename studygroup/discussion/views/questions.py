"""A question's discussion in a group. Every write works as htmx (the page's partials swap in
place) and as a plain form post that redirects back to the right spot."""

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST, require_safe
from django_htmx.http import reswap, retarget, trigger_client_event

from content.models import Chapter, Question
from studygroup.core.http import parse_id
from studygroup.groups.access import group_for_facilitator, group_for_member
from studygroup.groups.models import Membership, StudyGroup
from studygroup.ratelimit import limited

from .. import services
from ..forms import AnswerForm, CommentForm, DiscussionForm, HideForm
from ..models import Answer, Comment
from ..threads import (
    COMMENTS_FIRST,
    COMMENTS_MORE,
    Thread,
    answer_first_applies,
    attach_comments,
    comments_of,
    more_comments,
    show,
    thread_for,
)


def question_for_group(group: StudyGroup, question_id: int) -> Question:
    """One of the group's questions (the text's own or its own); 404 for any other."""
    return get_object_or_404(group.questions(), pk=question_id)


def answer_for_member(group: StudyGroup, membership: Membership, answer_id: int) -> Answer:
    """An answer of this group the member may see; 404 otherwise, answer-first included."""
    answer = get_object_or_404(
        Answer.objects.select_related("question", "author"), group=group, pk=answer_id
    )
    answer.group = group
    if answer.author_id != membership.user_id and answer_first_applies(
        group, answer.question, membership
    ):
        answered = Answer.objects.filter(
            group=group,
            question=answer.question,
            author=membership.user,
            deleted__isnull=True,
        ).exists()
        if not answered:
            raise Http404("No such answer.")
    return answer


def comment_for_member(group: StudyGroup, membership: Membership, comment_id: int) -> Comment:
    comment = get_object_or_404(
        Comment.objects.select_related("answer", "author"), answer__group=group, pk=comment_id
    )
    comment.answer = answer_for_member(group, membership, comment.answer_id)
    return comment


def question_url(group: StudyGroup, question_id: int, anchor: str = "") -> str:
    url = reverse("discussion:question", args=[group.slug, question_id])
    return f"{url}#{anchor}" if anchor else url


def _page_context(group, membership, question) -> dict:
    return {
        "group": group,
        "membership": membership,
        "question": question,
        "thread": thread_for(group, question, membership),
        "answer_form": AnswerForm(initial={"token": uuid.uuid4()}),
    }


def _answers_fragment(request, group, membership, question) -> HttpResponse:
    return render(
        request,
        "discussion/question.html#answers",
        _page_context(group, membership, question),
    )


def _one_answer(group, membership, answer: Answer) -> tuple[Thread, Answer]:
    """The answer's first screen as this viewer sees it, and the thread state around it."""
    thread = Thread.around(group, answer.question, membership)
    attach_comments([answer], comments_of([answer], first=COMMENTS_FIRST), membership, full=False)
    return thread, answer


def _answer_fragment(
    request, group, membership, answer: Answer, just_posted: Comment | None = None
) -> HttpResponse:
    """One answer with the first screen of its thread; a new comment further down the
    thread shows under it, so its writer sees it in place."""
    answer.refresh_from_db(
        fields=[
            "comment_count",
            "first_screen_path",
            "body",
            "body_html",
            "edited",
            "deleted",
            "hidden",
            "hidden_reason",
        ]
    )
    thread, answer = _one_answer(group, membership, answer)
    if just_posted and all(c.pk != just_posted.pk for c in answer.thread):
        just_posted = Comment.objects.select_related("author", "parent__author").get(
            pk=just_posted.pk
        )
        show(just_posted, membership)
        answer.just_posted = just_posted
    return render(
        request,
        "discussion/question.html#answer",
        {
            "group": group,
            "membership": membership,
            "question": answer.question,
            "thread": thread,
            "answer": answer,
        },
    )


def _post_fragment(request, group, membership, post) -> HttpResponse:
    if isinstance(post, Comment):
        return _comment_fragment(request, group, membership, post)
    return _answer_fragment(request, group, membership, post)


def _comment_fragment(request, group, membership, comment: Comment) -> HttpResponse:
    """One comment, as this viewer now sees it (after an edit, a delete, a hide)."""
    comment = Comment.objects.select_related("author", "parent__author", "answer__question").get(
        pk=comment.pk
    )
    answer = comment.answer
    show(comment, membership)
    thread = Thread.around(group, answer.question, membership)
    return render(
        request,
        "discussion/question.html#comment",
        {
            "group": group,
            "membership": membership,
            "thread": thread,
            "answer": answer,
            "comment": comment,
        },
    )


def _refused(
    request,
    form,
    *,
    form_id: str,
    title: str,
    back: str,
    target: str,
    submit: str,
    hidden: dict | None = None,
) -> HttpResponse:
    """A refused post keeps what was typed: in place with htmx, on a page of its own without."""
    form.auto_id = f"{form_id}-%s"  # ids unique on the page, as the template's own forms
    form.fields["body"].widget.attrs["autofocus"] = True
    context = {
        "submit": submit,
        "form": form,
        "form_id": form_id,
        "action": request.path,
        "title": title,
        "back": back,
        "target": target,
        "hidden": hidden or {},
    }
    if request.htmx:
        response = render(request, "discussion/post_form.html#form", context)
        return reswap(retarget(response, f"#{form_id}"), "outerHTML")
    return render(request, "discussion/post_form.html", context, status=400)


def _htmx_refusal(request, title: str, reason: str) -> HttpResponse:
    """Nothing to swap: the page shows the reason in an alert (static/js/site.js)."""
    response = reswap(HttpResponse(), "none")
    return trigger_client_event(response, "studygroup:refused", {"message": f"{title}: {reason}"})


@login_required
@require_safe
def question(request: HttpRequest, slug: str, question_id: int) -> HttpResponse:
    group, membership = group_for_member(request, slug)
    q = get_object_or_404(
        group.questions().prefetch_related(
            Prefetch("chapters", queryset=Chapter.objects.order_by("number"))
        ),
        pk=question_id,
    )
    after = request.GET.get("after")
    if after is not None:
        thread = thread_for(group, q, membership, after_answer=parse_id(after))
        context = {"group": group, "membership": membership, "question": q, "thread": thread}
        if request.htmx:
            return render(request, "discussion/question.html#answers_page", context)
        return render(request, "discussion/question_page.html", context)
    context = _page_context(group, membership, q)
    if membership.is_facilitator:
        discussion = context["thread"].discussion
        context["settings_form"] = DiscussionForm(
            initial={
                "locked": bool(discussion and discussion.locked),
                "answer_first": {None: "", True: "on", False: "off"}[
                    discussion.answer_first if discussion else None
                ],
            }
        )
    return render(request, "discussion/question.html", context)


@login_required
@require_safe
def question_all(request: HttpRequest, slug: str, question_id: int) -> HttpResponse:
    """Every answer with every comment, to read straight through or print."""
    group, membership = group_for_member(request, slug)
    q = question_for_group(group, question_id)
    thread = thread_for(group, q, membership, full=True)
    return render(
        request,
        "discussion/question_all.html",
        {"group": group, "membership": membership, "question": q, "thread": thread},
    )


@login_required
@require_safe
def answer_thread(request: HttpRequest, slug: str, answer_id: int) -> HttpResponse:
    """One answer with its whole thread: where "more" links lead without JavaScript."""
    group, membership = group_for_member(request, slug)
    answer = answer_for_member(group, membership, answer_id)
    thread, answer = _one_answer(group, membership, answer)
    attach_comments([answer], comments_of([answer], first=None), membership, full=True)
    return render(
        request,
        "discussion/answer.html",
        {
            "group": group,
            "membership": membership,
            "question": answer.question,
            "thread": thread,
            "answer": answer,
        },
    )


@login_required
@require_safe
def comments_more(request: HttpRequest, slug: str, answer_id: int) -> HttpResponse:
    """The next comments of an answer's thread, after the last one on screen (htmx)."""
    group, membership = group_for_member(request, slug)
    answer = answer_for_member(group, membership, answer_id)
    after = request.GET.get("after", "")
    if not request.htmx:
        return redirect(reverse("discussion:answer", args=[group.slug, answer.pk]))
    comments = more_comments(answer, membership, after)
    more = len(comments) > COMMENTS_MORE
    comments = comments[:COMMENTS_MORE]
    thread = Thread.around(group, answer.question, membership)
    answer.next_path = comments[-1].path if comments else after
    answer.more_comments = more
    return render(
        request,
        "discussion/question.html#comments_page",
        {
            "group": group,
            "membership": membership,
            "thread": thread,
            "answer": answer,
            "comments": comments,
        },
    )


@login_required
@require_POST
def answer_create(request: HttpRequest, slug: str, question_id: int) -> HttpResponse:
    group, membership = group_for_member(request, slug)
    if refused := limited(request, "post", str(request.user.pk)):
        return refused
    q = question_for_group(group, question_id)
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
                return _answers_fragment(request, group, membership, q)
            return redirect(question_url(group, q.pk, f"answer-{answer.pk}"))
    return _refused(
        request,
        form,
        form_id="answer-form",
        title="Your answer",
        back=question_url(group, q.pk),
        target="#answers",
        submit="Post your answer",
    )


@login_required
@require_POST
def answer_edit(request: HttpRequest, slug: str, answer_id: int) -> HttpResponse:
    group, membership = group_for_member(request, slug)
    answer = answer_for_member(group, membership, answer_id)
    return _edit(request, group, membership, answer, AnswerForm, f"answer-{answer.pk}")


@login_required
@require_POST
def comment_edit(request: HttpRequest, slug: str, comment_id: int) -> HttpResponse:
    group, membership = group_for_member(request, slug)
    comment = comment_for_member(group, membership, comment_id)
    return _edit(request, group, membership, comment, CommentForm, f"comment-{comment.pk}")


def _edit(request, group, membership, post, form_class, anchor: str) -> HttpResponse:
    if post.author_id != membership.user_id:
        raise PermissionDenied("Only its author can edit a post.")
    answer = post if isinstance(post, Answer) else post.answer
    form = form_class(request.POST)
    form_id = f"edit-{anchor}"
    if form.is_valid():
        try:
            services.post_edit(post=post, user=request.user, body=form.cleaned_data["body"])
        except services.DiscussionError as exc:
            form.add_error("body", str(exc))
        else:
            if request.htmx:
                return _post_fragment(request, group, membership, post)
            return redirect(question_url(group, answer.question_id, anchor))
    return _refused(
        request,
        form,
        form_id=form_id,
        title="Edit your post",
        back=question_url(group, answer.question_id, anchor),
        target=f"#{anchor}",
        submit="Save",
    )


@login_required
@require_POST
def answer_delete(request: HttpRequest, slug: str, answer_id: int) -> HttpResponse:
    group, membership = group_for_member(request, slug)
    answer = answer_for_member(group, membership, answer_id)
    return _delete(request, group, membership, answer, answer, f"answer-{answer.pk}")


@login_required
@require_POST
def comment_delete(request: HttpRequest, slug: str, comment_id: int) -> HttpResponse:
    group, membership = group_for_member(request, slug)
    comment = comment_for_member(group, membership, comment_id)
    return _delete(request, group, membership, comment, comment.answer, f"comment-{comment.pk}")


def _delete(request, group, membership, post, answer: Answer, anchor: str) -> HttpResponse:
    if post.author_id != membership.user_id:
        raise PermissionDenied("Only its author can delete a post.")
    try:
        services.post_delete(post=post, user=request.user)
    except services.DiscussionError as exc:
        if request.htmx:
            return _htmx_refusal(request, "Not deleted", str(exc))
        messages.error(request, str(exc))
    if request.htmx:
        return _post_fragment(request, group, membership, post)
    return redirect(question_url(group, answer.question_id, anchor))


@login_required
@require_POST
def comment_create(request: HttpRequest, slug: str, answer_id: int) -> HttpResponse:
    group, membership = group_for_member(request, slug)
    if refused := limited(request, "post", str(request.user.pk)):
        return refused
    answer = answer_for_member(group, membership, answer_id)
    parent = None
    if "parent" in request.POST:
        parent = get_object_or_404(
            Comment.objects.select_related("author"),
            answer=answer,
            pk=parse_id(request.POST["parent"]),
        )
    form = CommentForm(request.POST)
    form_id = f"reply-{parent.pk}" if parent else f"comment-on-{answer.pk}"
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
                return _answer_fragment(request, group, membership, answer, just_posted=comment)
            return redirect(question_url(group, answer.question_id, f"comment-{comment.pk}"))
    return _refused(
        request,
        form,
        form_id=form_id,
        title="Your reply" if parent else "Your comment",
        back=question_url(group, answer.question_id, f"answer-{answer.pk}"),
        target=f"#answer-{answer.pk}",
        hidden={"parent": parent.pk} if parent else None,
        submit="Reply" if parent else "Comment",
    )


def _moderate(request, group, membership, post, answer: Answer, anchor: str) -> HttpResponse:
    form = HideForm(request.POST)
    try:
        if not form.is_valid():
            raise services.DiscussionError("Choose to hide or show the post.")
        if form.cleaned_data["action"] == "hide":
            services.post_hide(post=post, by=request.user, reason=form.cleaned_data["reason"])
        else:
            services.post_unhide(post=post, by=request.user)
    except services.DiscussionError as exc:
        if request.htmx:
            return _htmx_refusal(request, "Not changed", str(exc))
        messages.error(request, str(exc))
    if request.htmx:
        return _post_fragment(request, group, membership, post)
    return redirect(question_url(group, answer.question_id, anchor))


@login_required
@require_POST
def answer_moderate(request: HttpRequest, slug: str, answer_id: int) -> HttpResponse:
    group, membership = group_for_facilitator(request, slug)
    answer = answer_for_member(group, membership, answer_id)
    return _moderate(request, group, membership, answer, answer, f"answer-{answer.pk}")


@login_required
@require_POST
def comment_moderate(request: HttpRequest, slug: str, comment_id: int) -> HttpResponse:
    group, membership = group_for_facilitator(request, slug)
    comment = comment_for_member(group, membership, comment_id)
    return _moderate(request, group, membership, comment, comment.answer, f"comment-{comment.pk}")


@login_required
@require_POST
def question_settings(request: HttpRequest, slug: str, question_id: int) -> HttpResponse:
    group, _ = group_for_facilitator(request, slug)
    q = question_for_group(group, question_id)
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
