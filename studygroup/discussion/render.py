"""One comment as HTML, written in Python: the hot path of every discussion page.

A question page shows up to a hundred comments, each with its reply, edit, delete and hide
forms. Through the template engine that was about 1.9 ms a comment, most of a page's time
(measured in bench/, see docs/benchmarks.md); string formatting does the same in a tenth
of that. The markup is the one templates/discussion/question.html had as its ``comment``
partial, which now calls this. Everything user-given goes through ``escape``; ``body_html``
was sanitised when it was saved.
"""

import uuid
from dataclasses import dataclass
from datetime import datetime

from django.middleware.csrf import get_token
from django.urls import reverse
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

SENTINEL = 987654321987  # an id no row has, replaced in reversed URLs


@dataclass
class CommentRenderer:
    """What is the same for every comment on a page: the viewer, the group, the URLs."""

    slug: str
    user_id: int | None
    facilitator: bool
    locked: bool
    csrf_input: str
    now: datetime

    @classmethod
    def for_page(cls, request, group, membership, thread) -> "CommentRenderer":
        token = get_token(request)
        return cls(
            slug=group.slug,
            user_id=membership.user_id,
            facilitator=membership.is_facilitator,
            locked=bool(thread and thread.locked),
            csrf_input=f'<input type="hidden" name="csrfmiddlewaretoken" value="{escape(token)}">',
            now=timezone.now(),
        )

    def url(self, name: str, pk: int) -> str:
        template = _url_templates.get(name)
        if template is None:
            template = _url_templates[name] = reverse(f"discussion:{name}", args=["SLUG", SENTINEL])
        return template.replace("SLUG", self.slug).replace(str(SENTINEL), str(pk))

    def comment(self, c, answer) -> SafeString:
        author = escape(c.author.name) if c.author else "A former member"
        parts = [
            f'<li class="comment indent-{c.indent}" id="comment-{c.pk}">\n',
            f'  <div class="post-meta">\n    <strong>{author}</strong>\n',
        ]
        if c.depth > c.indent and c.parent_id and c.parent:
            parent = escape(c.parent.author.name) if c.parent.author else "a former member"
            parts.append(f'    <span class="muted">replying to {parent}</span>\n')
        created = timezone.localtime(c.created)
        parts.append(
            f'    <a class="muted" href="#comment-{c.pk}"><time datetime="'
            f'{date_format(created, "c")}">{ago(c.created, self.now)}</time></a>'
        )
        if c.edited and c.shown:
            parts.append(' <span class="muted">· edited</span>')
        parts.append("\n  </div>\n")
        if c.shown:
            parts.append(f'  <div class="post-body">{c.body_html}</div>\n')
        if c.notice:
            parts.append(f'  <p class="placeholder">{escape(c.notice)}</p>\n')
        if not c.is_deleted:
            parts.append('  <div class="post-actions">\n')
            if not self.locked:
                parts.append(self._reply(c, answer, author if c.author else ""))
            if c.author_id == self.user_id and not self.locked:
                parts.append(self._edit_and_delete(c))
            if self.facilitator:
                parts.append(self._moderate(c))
            parts.append("  </div>\n")
        parts.append("</li>\n")
        return mark_safe("".join(parts))

    def _reply(self, c, answer, author: str) -> str:
        url = self.url("comment_create", answer.pk)
        form_id = f"reply-{c.pk}"
        return (
            f'    <details>\n      <summary>Reply<span class="visually-hidden"> to {author}'
            f"</span></summary>\n"
            f'<form id="{form_id}" method="post" action="{url}"\n'
            f'      hx-post="{url}" hx-target="#answer-{answer.pk}" hx-swap="outerHTML" '
            f'class="stack post-form">\n  {self.csrf_input}\n'
            f'  <input type="hidden" name="parent" value="{c.pk}">\n'
            f'  <input type="hidden" name="token" value="{uuid.uuid4()}">\n'
            f'  <label for="{form_id}-body">Your reply</label>\n'
            f'  <textarea id="{form_id}-body" name="body" rows="3" required></textarea>\n'
            f'  <button type="submit" class="button small">Reply</button>\n</form>\n'
            f"    </details>\n"
        )

    def _edit_and_delete(self, c) -> str:
        edit, delete = self.url("comment_edit", c.pk), self.url("comment_delete", c.pk)
        return (
            f"    <details>\n      <summary>Edit</summary>\n"
            f'      <form id="edit-comment-{c.pk}" method="post" action="{edit}"\n'
            f'            hx-post="{edit}" hx-target="#comment-{c.pk}" hx-swap="outerHTML" '
            f'class="stack post-form">\n        {self.csrf_input}\n'
            f'        <label for="edit-comment-{c.pk}-body">Edit your comment</label>\n'
            f'        <textarea id="edit-comment-{c.pk}-body" name="body" rows="3" required>'
            f"{escape(c.body)}</textarea>\n"
            f'        <button type="submit" class="button small">Save</button>\n'
            f"      </form>\n    </details>\n"
            f'    <form method="post" action="{delete}"\n'
            f'          hx-post="{delete}" hx-target="#comment-{c.pk}" hx-swap="outerHTML"\n'
            '          hx-confirm="Delete your comment? Replies to it stay." '
            'class="inline-form">\n'
            f'      {self.csrf_input}<button type="submit" class="link-button">Delete</button>\n'
            f"    </form>\n"
        )

    def _moderate(self, c) -> str:
        url = self.url("comment_moderate", c.pk)
        target = f'hx-post="{url}" hx-target="#comment-{c.pk}" hx-swap="outerHTML"'
        if c.is_hidden:
            return (
                f'<form method="post" action="{url}" {target} class="inline-form">\n'
                f'  {self.csrf_input}<input type="hidden" name="action" value="unhide">\n'
                f'  <button type="submit" class="link-button">Show again</button>\n</form>\n'
            )
        return (
            f"<details>\n  <summary>Hide</summary>\n"
            f'  <form method="post" action="{url}" {target} class="stack">\n'
            f'    {self.csrf_input}<input type="hidden" name="action" value="hide">\n'
            f'    <label for="hide-comment-{c.pk}">Reason (the author sees it)</label>\n'
            f'    <input id="hide-comment-{c.pk}" name="reason" type="text" maxlength="300" '
            f"required>\n"
            f'    <button type="submit" class="button small danger">Hide the comment</button>\n'
            f"  </form>\n</details>\n"
        )


_url_templates: dict[str, str] = {}


def ago(when: datetime, now: datetime) -> str:
    """ "just now", "5 minutes ago", "3 days ago", then the date: humanize's naturaltime
    without its per-call translation lookups (a tenth of a page's time)."""
    seconds = int((now - when).total_seconds())
    if seconds >= 7 * 86400:
        return date_format(timezone.localtime(when), "j M Y")
    for size, unit in ((86400, "day"), (3600, "hour"), (60, "minute")):
        if seconds >= size:
            n = seconds // size
            return f"{n} {unit}{'s' if n != 1 else ''} ago"
    return "just now"
