"""Members write Markdown; we store the sanitised HTML once, when a post is saved.

markdown-it renders a safe subset (raw HTML off, no images or headings); nh3 then keeps only
an allowlist of tags and attributes, so nothing a member types can run in a browser: no
scripts, event handlers, styles, ``javascript:`` links or ``hx-*`` attributes.
"""

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from html import escape, unescape

import nh3
from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markdown_it.token import Token

_md = (
    MarkdownIt("commonmark", {"html": False, "linkify": False, "breaks": True})
    .disable(["image", "heading", "lheading", "html_block", "html_inline", "reference"])
    .enable(["strikethrough"])
)


@dataclass(frozen=True, slots=True)
class Passage:
    """A cited paragraph as it is quoted: "¶15.11", its text, where it is read."""

    label: str
    text: str
    href: str
    under: bool = True  # shown under the post too (not when the post quotes it itself)


@dataclass(frozen=True, slots=True)
class Citation:
    """What a reference in a post becomes (``citations.cite`` makes them): a link to the
    paragraph, titled with the quoted passage, and the passages under the post."""

    href: str
    label: str  # "¶15.11-13"
    passages: list[Passage] = field(default_factory=list)

    @property
    def title(self) -> str:
        return " / ".join(f"{p.label}: “{_cut(p.text)}”" for p in self.passages)


def _cut(text: str, limit: int = 300) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _citations(state: StateCore) -> None:
    """A core rule after markdown-it's own: a reference in the text (never in code, or in a
    link's words) that ``citations`` names becomes a link to its paragraph."""
    links: Mapping[str, Citation] = state.env.get("citations") or {}
    if not links:
        return
    pattern: re.Pattern[str] = state.env["pattern"]
    for block in state.tokens:
        if block.type != "inline" or not block.children:
            continue
        children: list[Token] = []
        in_link = 0
        for token in block.children:
            in_link += {"link_open": 1, "link_close": -1}.get(token.type, 0)
            if token.type != "text" or in_link or "¶" not in token.content:
                children.append(token)
                continue
            text, at = token.content, 0
            for match in pattern.finditer(text):
                if (citation := links.get(match[0])) is None:
                    continue
                if match.start() > at:
                    children.append(_text(text[at : match.start()]))
                link = Token("link_open", "a", 1)
                link.attrs = {"href": citation.href, "title": citation.title, "class": "citation"}
                children += [link, _text(match[0]), Token("link_close", "a", -1)]
                state.env["used"].add(match[0])
                at = match.end()
            if at < len(text):
                children.append(_text(text[at:]))
        block.children = children


def _text(content: str) -> Token:
    token = Token("text", "", 0)
    token.content = content
    return token


_md.core.ruler.push("citations", _citations)


def _quoted(citations: list[Citation]) -> str:
    """The passages a post quotes, under it, open on a click (no script): as they were
    when cited."""
    shown = dict.fromkeys(p for c in citations for p in c.passages if p.under)
    if not shown:
        return ""
    labels = ", ".join(
        dict.fromkeys(c.label for c in citations if any(p in shown for p in c.passages))
    )
    quotes = "".join(
        f"<blockquote><p>{'<br>'.join(escape(line) for line in p.text.split(chr(10)))}</p>"
        f'<p><a class="citation" href="{escape(p.href)}">{escape(p.label)}</a></p></blockquote>'
        for p in shown
    )
    return f'<details class="quoted"><summary>Quoted: {escape(labels)}</summary>{quotes}</details>'


ALLOWED_TAGS = {
    "p",
    "br",
    "em",
    "strong",
    "del",
    "a",
    "ul",
    "ol",
    "li",
    "blockquote",
    "code",
    "pre",
    "hr",
    "details",  # the quoted passages (citations): only our own rule writes these three
    "summary",
}
ALLOWED_CLASSES = {"a": {"citation"}, "details": {"quoted"}}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}}
URL_SCHEMES = {"http", "https", "mailto"}
LINK_REL = "nofollow ugc noopener"


def render(source: str) -> str:
    return render_citing(source, None, {})[0]


def render_citing(
    source: str, pattern: re.Pattern[str] | None, citations: Mapping[str, Citation]
) -> tuple[str, set[str]]:
    """The post's HTML, each reference ``pattern`` finds that ``citations`` names (by the
    text matched) a link, the passages quoted under it; and the references linked."""
    used: set[str] = set()  # the core rule adds each reference it linked
    html = _md.render(source, {"citations": citations, "pattern": pattern, "used": used})
    html += _quoted([citations[key] for key in citations if key in used])
    return _clean(html), used


def _clean(html: str) -> str:
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        allowed_classes=ALLOWED_CLASSES,
        url_schemes=URL_SCHEMES,
        link_rel=LINK_REL,
        strip_comments=True,
    ).strip()


# A tag of what _clean gives back: its serializer writes every "<" and ">" of text and of
# attribute values (a citation's title quotes the text) as an entity, so none is inside one.
_TAG = re.compile(r"<[^>]*>")


def text_of(html: str) -> str:
    """The words of stored post HTML, tags dropped and entities read: what Django's
    ``strip_tags`` and ``html.unescape`` make of it (tests/discussion/test_markdown_fuzz.py
    holds them to it), without an HTML parser for every post a page quotes."""
    return unescape(_TAG.sub("", html))
