"""The margin of the group's reading view: a paragraph's notes, with the posts citing it.

The margin opens in place with htmx (``#margin-p11`` beside the paragraph) and is a page of
its own without; notes are written, replied to, edited, deleted and hidden as comments are
(``posts``), and a facilitator locks a paragraph's notes."""

import uuid
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_safe

from content.models import Paragraph
from studygroup.accounts.drafts import take_draft
from studygroup.accounts.http import AuthenticatedHtmxHttpRequest
from studygroup.core.http import parse_id
from studygroup.core.ratelimit import limited
from studygroup.groups.access import group_for_facilitator, group_for_member
from studygroup.groups.models import Membership

from .. import services
from ..access import note_for_member, paragraph_for_group
from ..forms import MarginForm, NoteForm
from ..margin import margin_page, margin_url
from ..models import Note
from ..rules import LOCKED_NOTES, margin_counts
from .posts import FORM_OR_WRITE, delete, edit, form_page, moderate, readable_html


def _margin_context(membership: Membership, paragraph: Paragraph, **extra: Any) -> dict[str, Any]:
    page = margin_page(membership, paragraph)
    form = NoteForm(initial={"token": uuid.uuid4()})
    form.auto_id = f"note-on-{paragraph.anchor}-%s"
    return {
        "group": membership.group,
        "membership": membership,
        "margin": page,
        "form": form,
        "form_id": f"note-on-{paragraph.anchor}",
        "action": page.notes_url,
        "target": f"#{page.anchor}",
        "submit": "Add the note",
        "hidden": {},
        **extra,
    }


def _margin_fragment(
    request: HttpRequest, membership: Membership, paragraph: Paragraph
) -> HttpResponse:
    return render(request, "discussion/margin.html#margin", _margin_context(membership, paragraph))


@login_required
@require_safe
def margin(
    request: AuthenticatedHtmxHttpRequest, slug: str, number: int, position: int
) -> HttpResponse:
    """The paragraph's margin: in place with htmx (``?closed`` folds it again), or a page."""
    group, membership = group_for_member(request, slug)
    paragraph = paragraph_for_group(group, number, position)
    if request.htmx and "closed" in request.GET:
        notes, cited = margin_counts(membership, paragraph.chapter_id).get(paragraph.pk, (0, 0))
        return render(
            request,
            "discussion/read.html#margin",
            {"group": group, "paragraph": paragraph, "margins": {paragraph.pk: (notes, cited)}},
        )
    if request.htmx:
        return _margin_fragment(request, membership, paragraph)
    return render(request, "discussion/margin.html", _margin_context(membership, paragraph))


@login_required
@FORM_OR_WRITE
def note_create(
    request: AuthenticatedHtmxHttpRequest, slug: str, number: int, position: int
) -> HttpResponse:
    """GET: the form for a note or a reply (in place with htmx, a page without); POST: it."""
    group, membership = group_for_member(request, slug)
    paragraph = paragraph_for_group(group, number, position)
    kept = take_draft(request, request.path) if request.method != "POST" else {}
    parent = None
    parent_id = request.POST.get("parent") or request.GET.get("parent") or kept.get("parent")
    if parent_id is not None:
        parent = get_object_or_404(
            Note.objects.select_related("author"),
            group=group,
            paragraph=paragraph,
            pk=parse_id(parent_id),
        )
    back = margin_url(group, paragraph)
    if request.method == "POST":
        if refused := limited(request, "post", str(request.user.pk)):
            return refused
        form = NoteForm(request.POST)
        if form.is_valid():
            try:
                note = services.note_post(
                    membership=membership,
                    paragraph=paragraph,
                    parent=parent,
                    body=form.cleaned_data["body"],
                    token=form.cleaned_data["token"],
                )
            except services.DiscussionError as exc:
                form.add_error("body", str(exc))
            else:
                if request.htmx:
                    return _margin_fragment(request, membership, paragraph)
                return redirect(f"{back}#note-{note.pk}")
    else:
        if services.margin_locked(group, paragraph.pk):
            messages.error(request, LOCKED_NOTES)
            return redirect(back)
        form = NoteForm(initial={"token": uuid.uuid4(), "body": kept.get("body", "")})
    if parent:
        form.fields["body"].label = "Your reply"
    author = parent.author if parent else None
    return form_page(
        request,
        form,
        form_id=f"reply-note-{parent.pk}" if parent else f"note-on-{paragraph.anchor}",
        title="Your reply" if parent else f"Your note on ¶{paragraph.reference}",
        back=back,
        target=f"#margin-{paragraph.anchor}",
        hidden={"parent": parent.pk} if parent else None,
        submit="Reply" if parent else "Add the note",
        context_post=(
            f"Replying to {author.name if author else 'a former member'}"
            if parent
            else f"On ¶{paragraph.reference}"
        ),
        quoted_html=readable_html(membership, parent) if parent else paragraph.body,
        status=400 if request.method == "POST" else 200,
    )


@login_required
@FORM_OR_WRITE
def note_edit(request: AuthenticatedHtmxHttpRequest, slug: str, note_id: int) -> HttpResponse:
    group, membership = group_for_member(request, slug)
    return edit(request, membership, note_for_member(group, note_id), NoteForm)


@login_required
@FORM_OR_WRITE
def note_delete(request: AuthenticatedHtmxHttpRequest, slug: str, note_id: int) -> HttpResponse:
    group, membership = group_for_member(request, slug)
    return delete(request, membership, note_for_member(group, note_id))


@login_required
@FORM_OR_WRITE
def note_moderate(request: AuthenticatedHtmxHttpRequest, slug: str, note_id: int) -> HttpResponse:
    group, membership = group_for_facilitator(request, slug)
    return moderate(request, membership, note_for_member(group, note_id))


@login_required
@FORM_OR_WRITE
def margin_lock(
    request: AuthenticatedHtmxHttpRequest, slug: str, number: int, position: int
) -> HttpResponse:
    """A facilitator locks or unlocks the notes on a paragraph (the form is in the margin)."""
    group, membership = group_for_facilitator(request, slug)
    paragraph = paragraph_for_group(group, number, position)
    back = margin_url(group, paragraph)
    if request.method != "POST":
        return redirect(back)
    form = MarginForm(request.POST)
    if form.is_valid():
        services.margin_set(
            group=group, paragraph=paragraph, locked=form.cleaned_data["locked"], by=request.user
        )
    if request.htmx:
        return _margin_fragment(request, membership, paragraph)
    return redirect(back)
