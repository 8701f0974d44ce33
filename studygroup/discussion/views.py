"""A question's discussion in a group. Every write works as htmx (the page's partials swap in
place) and as a plain form post that redirects back to the right spot."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST, require_safe
from django_htmx.http import reswap, retarget, trigger_client_event

from content.models import Chapter, Question
from studygroup.groups.models import Membership, StudyGroup
from studygroup.groups.views import group_for_facilitator, group_for_member
from studygroup.ratelimit import limited

from . import services
from .forms import AnswerForm, CommentForm, DiscussionForm, HideForm
from .models import Answer, Comment, Notification
from .threads import answer_first_applies, thread_for


def parse_id(value: str) -> int:
    """A database id from a form field; 404 for anything else (words, "²", 10**30)."""
    if value.isascii() and value.isdigit() and 0 < int(value) < 2**63:
        return int(value)
    raise Http404("No such thing.")


def question_for_group(group: StudyGroup, question_id: int) -> Question:
    """One of the group's questions (the text's own or its own); 404 for any other."""
    return get_object_or_404(Question.objects.for_group(group), pk=question_id)


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
        "answer_form": AnswerForm(),
    }


def _answers_fragment(request, group, membership, question) -> HttpResponse:
    return render(
        request,
        "discussion/question.html#answers",
        _page_context(group, membership, question),
    )


def _answer_fragment(request, group, membership, answer: Answer) -> HttpResponse:
    """One answer with its thread, as the viewer sees it."""
    thread = thread_for(group, answer.question, membership)
    answer = next(a for a in thread.answers if a.pk == answer.pk)
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
        Question.objects.for_group(group).prefetch_related(
            Prefetch("chapters", queryset=Chapter.objects.order_by("number"))
        ),
        pk=question_id,
    )
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
                membership=membership, question=q, body=form.cleaned_data["body"]
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
                return _answer_fragment(request, group, membership, answer)
            return redirect(question_url(group, answer.question_id, anchor))
    return _refused(
        request,
        form,
        form_id=form_id,
        title="Edit your post",
        back=question_url(group, answer.question_id, anchor),
        target=f"#answer-{answer.pk}",
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
        return _answer_fragment(request, group, membership, answer)
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
        parent = get_object_or_404(Comment, answer=answer, pk=parse_id(request.POST["parent"]))
    form = CommentForm(request.POST)
    form_id = f"reply-{parent.pk}" if parent else f"comment-on-{answer.pk}"
    if form.is_valid():
        try:
            comment = services.comment_post(
                membership=membership,
                answer=answer,
                parent=parent,
                body=form.cleaned_data["body"],
            )
        except services.DiscussionError as exc:
            form.add_error("body", str(exc))
        else:
            if request.htmx:
                return _answer_fragment(request, group, membership, answer)
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
        return _answer_fragment(request, group, membership, answer)
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


@login_required
@require_safe
def notifications(request: HttpRequest) -> HttpResponse:
    items = Notification.objects.filter(recipient=request.user).select_related("group")
    page = Paginator(items, 30).get_page(request.GET.get("page"))
    return render(request, "discussion/notifications.html", {"page": page})


@login_required
@require_POST
def notifications_read(request: HttpRequest) -> HttpResponse:
    if "id" not in request.POST:
        services.notifications_mark_read(user=request.user)
        return redirect("discussion:notifications")
    target = get_object_or_404(
        Notification, recipient=request.user, pk=parse_id(request.POST["id"])
    )
    services.notifications_mark_read(user=request.user, ids=[target.pk])
    return redirect(target.url)
