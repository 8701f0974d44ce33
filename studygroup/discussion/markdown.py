"""Members write Markdown; we store the sanitised HTML once, when a post is saved.

markdown-it renders a safe subset (raw HTML off, no images or headings); nh3 then keeps only
an allowlist of tags and attributes, so nothing a member types can run in a browser: no
scripts, event handlers, styles, ``javascript:`` links or ``hx-*`` attributes.
"""

import nh3
from markdown_it import MarkdownIt

_md = (
    MarkdownIt("commonmark", {"html": False, "linkify": False, "breaks": True})
    .disable(["image", "heading", "lheading", "html_block", "html_inline", "reference"])
    .enable(["strikethrough"])
)

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
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}}
URL_SCHEMES = {"http", "https", "mailto"}
LINK_REL = "nofollow ugc noopener"


def render(source: str) -> str:
    html = _md.render(source)
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel=LINK_REL,
        strip_comments=True,
    ).strip()
