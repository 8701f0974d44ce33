"""What every post shares, wherever it is written (a question's discussion, a paragraph's
margin): its place on the page, its form page, its fragments, and the edit, delete and hide
that work alike on answers, comments and notes. htmx swaps the fragments in place; without
JavaScript each form has a page of its own and each write redirects back to the post."""

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_http_methods
from django_htmx.http import reswap, retarget, trigger_client_event

from studygroup.accounts.drafts import take_draft
from studygroup.accounts.http import AuthenticatedHtmxHttpRequest
from studygroup.core.http import HtmxHttpRequest, confirm_page
from studygroup.groups.models import Membership, StudyGroup

from .. import citations, margin, services, threads
from ..forms import HideForm, PostForm
from ..margin import margin_url
from ..models import Answer, AnyPost, Comment, Note
from ..rules import shown, standing

FORM_OR_WRITE = require_http_methods(["GET", "HEAD", "POST"])


def question_url(group: StudyGroup, question_id: int, anchor: str = "") -> str:
    url = reverse("discussion:question", args=[group.slug, question_id])
    return f"{url}#{anchor}" if anchor else url


def _anchor(post: AnyPost) -> str:
    return f"{post.kind}-{post.pk}"


def _back(group: StudyGroup, post: AnyPost) -> str:
    """Where a post's forms lead back to: the post in its discussion, or in its margin."""
    if isinstance(post, Note):
        return f"{margin_url(group, post.paragraph)}#{_anchor(post)}"
    answer = post if isinstance(post, Answer) else post.answer
    return question_url(group, answer.question_id, _anchor(post))


def answer_fragment(
    request: HttpRequest, membership: Membership, answer: Answer, just_posted: int | None = None
) -> HttpResponse:
    answer.refresh_from_db()
    here = standing(membership, answer.question)
    return render(
        request,
        "discussion/question.html#answer",
        {
            "group": membership.group,
            "membership": membership,
            "thread": threads.ThreadPage(here),
            "answer": threads.answer_card(here, answer, just_posted=just_posted),
        },
    )


def comment_fragment(
    request: HttpRequest, membership: Membership, comment: Comment
) -> HttpResponse:
    """One comment, as this viewer now sees it (after an edit, a delete, a hide)."""
    card = threads.comment_card(standing(membership, comment.answer.question), comment)
    return render(
        request,
        "discussion/question.html#comment",
        {"group": membership.group, "membership": membership, "comment": card},
    )


def note_fragment(request: HttpRequest, membership: Membership, note: Note) -> HttpResponse:
    """One note, as this viewer now sees it (after an edit, a delete, a hide)."""
    return render(
        request,
        "discussion/question.html#comment",
        {"group": membership.group, "comment": margin.note_card(membership, note)},
    )


def post_fragment(request: HttpRequest, membership: Membership, post: AnyPost) -> HttpResponse:
    if isinstance(post, Note):
        return note_fragment(request, membership, post)
    if isinstance(post, Comment):
        return comment_fragment(request, membership, post)
    return answer_fragment(request, membership, post)


# ---------------------------------------------------------------- forms, pages and refusals


def form_page(
    request: HtmxHttpRequest,
    form: forms.Form,
    *,
    form_id: str,
    title: str,
    back: str,
    target: str,
    submit: str,
    hidden: dict[str, object] | None = None,
    context_post: str = "",
    quoted_html: str = "",
    status: int = 200,
) -> HttpResponse:
    """A post's form: in place with htmx (a fetched reply form, or a refused post with what
    was typed), on a page of its own without."""
    form.auto_id = f"{form_id}-%s"  # ids unique on the page
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
        "context_post": context_post,
        # What is replied to, as the replier may read it (the page without JavaScript).
        "quoted_html": quoted_html,
    }
    if request.htmx:
        response = render(request, "discussion/post_form.html#form", context)
        if request.method == "POST":  # a refusal: the form it came from is replaced
            response = reswap(retarget(response, f"#{form_id}"), "outerHTML")
        return response
    return render(request, "discussion/post_form.html", context, status=status)


def readable_html(membership: Membership, post: AnyPost) -> str:
    """A post's text as this member may read it, or the line saying why not."""
    see = shown(
        deleted=post.is_deleted,
        hidden=post.is_hidden,
        hidden_reason=post.hidden_reason,
        author_id=post.author_id,
        viewer=membership,
    )
    return mark_safe(post.body_html) if see.text else see.notice  # sanitised when saved


def htmx_refusal(request: HttpRequest, title: str, reason: str) -> HttpResponse:
    """Nothing to swap: the page shows the reason in an alert (static/js/site.js)."""
    response = reswap(HttpResponse(), "none")
    return trigger_client_event(response, "studygroup:refused", {"message": f"{title}: {reason}"})


def edit(
    request: AuthenticatedHtmxHttpRequest,
    membership: Membership,
    post: AnyPost,
    form_class: type[PostForm],
) -> HttpResponse:
    """Editing one's own post (answer, comment or note): the form, and the edit."""
    anchor, kind = _anchor(post), post.kind
    group = membership.group
    back = _back(group, post)
    if request.method == "POST":
        form = form_class(request.POST)
        if form.is_valid():
            try:
                services.post_edit(post=post, user=request.user, body=form.cleaned_data["body"])
            except services.DiscussionError as exc:
                form.add_error("body", str(exc))
            else:
                if request.htmx:
                    return post_fragment(request, membership, post)
                return redirect(back)
    else:
        services.check_author(post, request.user)
        body = post.body
        quote = citations.quote_start(group, request.GET.get("cite")) if kind == "answer" else ""
        if quote:
            body = f"{body.rstrip()}\n\n{quote}"  # "Cite" for a member who has answered
        form = form_class(initial={"body": body} | take_draft(request, request.path))
    return form_page(
        request,
        form,
        form_id=f"edit-{anchor}",
        title=f"Edit your {kind}",
        back=back,
        target=f"#{anchor}",
        submit="Save",
        status=400 if request.method == "POST" else 200,
    )


def delete(
    request: AuthenticatedHtmxHttpRequest, membership: Membership, post: AnyPost
) -> HttpResponse:
    """Deleting one's own post: a confirmation page (GET), the deletion (POST)."""
    back = _back(membership.group, post)
    if request.method != "POST":
        services.check_author(post, request.user)
        kind = post.kind
        return confirm_page(
            request,
            title=f"Delete your {kind}?",
            message="Its text goes for good; "
            + ("its comments stay." if kind == "answer" else "replies to it stay."),
            submit=f"Delete my {kind}",
            back=back,
            quoted_html=readable_html(membership, post),
        )
    try:
        services.post_delete(post=post, user=request.user)
    except services.DiscussionError as exc:
        if request.htmx:
            return htmx_refusal(request, "Not deleted", str(exc))
        messages.error(request, str(exc))
    if request.htmx:
        return post_fragment(request, membership, post)
    return redirect(back)


def moderate(
    request: AuthenticatedHtmxHttpRequest, membership: Membership, post: AnyPost
) -> HttpResponse:
    """A facilitator hides a post, or shows it again."""
    kind = post.kind
    back = _back(membership.group, post)
    if request.method != "POST":
        if post.is_hidden:
            return confirm_page(
                request,
                title=f"Show this {kind} again?",
                message=f"It was hidden: {post.hidden_reason}",
                submit=f"Show the {kind} again",
                back=back,
                hidden={"action": "unhide"},
                quoted_html=readable_html(membership, post),
            )
        return render(
            request,
            "discussion/moderate.html#form" if request.htmx else "discussion/moderate.html",
            {"kind": kind, "post": post, "action": request.path, "back": back},
        )
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
            return htmx_refusal(request, "Not changed", str(exc))
        messages.error(request, str(exc))
    if request.htmx:
        return post_fragment(request, membership, post)
    return redirect(back)
