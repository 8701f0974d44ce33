"""Property-based tests of the post renderer: whatever a member types, ``markdown.render`` does
not raise, what it gives back is inert (allowlisted tags and attributes only, safe link
schemes, every link with its rel), and sanitising that again changes nothing.

The XSS corpus in test_xss.py checks known payloads; here hypothesis builds its own, from
arbitrary text and from the fragments such payloads are made of. The checks are written out
per tag rather than taken from the renderer's own constants, so a widened allowlist shows up.
"""

import re
from html import unescape
from html.parser import HTMLParser

import nh3
import pytest
from django.utils.html import strip_tags
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from studygroup.discussion import markdown
from tests.discussion.test_xss import ALLOWED_TAGS, CORPUS, ODDITIES
from tests.support import examples

RENDER_SETTINGS = settings(
    max_examples=examples(150),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)

# The allowlist the posts promise, per tag (test_xss's is flat: any of these on any tag).
ALLOWED_ATTRIBUTES = {"a": {"href", "title", "rel"}, "ol": {"start"}}
SAFE_SCHEMES = {"http", "https", "mailto"}
LINK_REL = "nofollow ugc noopener"
SCHEME_RE = re.compile(r"([a-z][a-z0-9+.\-]*):")
BLANKS_RE = re.compile(r"[\x00-\x20\x7f-\x9f]+")

FRAGMENTS = [
    *("<", ">", '"', "'", "`", "[", "]", "(", ")"),
    *("javascript:", "JaVaScRiPt:", "&#106;", "&#x6a;", "data:", "vbscript:"),
    *("on", "hx-", "style=", "<script>", "<img src=x onerror=", "<svg", "<iframe", "<a href="),
    *("\n\n", "> ", "- ", "1. ", "**", "_", "~~", " "),
    *("http://", "https://", "mailto:"),
    # Glue that makes the above into links, entities, code spans and escapes.
    *("x", "alert(1)", "example.org/", "\\", "&", "&colon;", "&#58;", "#", "=", "!", ":", "\n"),
    *("\t", "\x00", "    ", "```", "![", "](", "<http://", "&amp;", "%6A", "\u2028"),
]
fragments = st.lists(st.sampled_from(FRAGMENTS), max_size=6).map("".join)
# Soup alone seldom closes a link, so links, autolinks and raw tags are built whole too, with
# destinations that start with a scheme (or its disguise) and go on with fragments.
destination = st.builds(
    "".join,
    st.tuples(
        st.sampled_from(
            [
                *("javascript:", "JaVaScRiPt:", "vbscript:", "data:text/html,", "ftp://"),
                *("&#106;avascript:", "&#x6a;avascript:", "java&#x09;script:", "java\tscript:"),
                *("\\&#106;avascript:", "%6Aavascript:", " javascript:", "\x01javascript:"),
                *("http://", "https://", "mailto:", "//", "/", "#", "?", ""),
            ]
        ),
        fragments,
    ),
)
title = st.sampled_from(["", ' "t"', " 't'", " (t)", ' "x\\" onmouseover=\\"alert(1)"'])
link = st.one_of(
    st.builds("[{}]({}{})".format, fragments, destination, title),
    st.builds("[{}](<{}>{})".format, fragments, destination, title),
    st.builds("<{}>".format, destination),
)
raw_tag = st.builds(
    "<{} {}={}>".format,
    st.sampled_from(["a", "img", "svg", "iframe", "p", "ol", "div", "script", "style"]),
    st.sampled_from(["href", "src", "onerror", "onload", "style", "hx-get", "title", "start"]),
    st.one_of(destination, destination.map('"{}"'.format)),
)
markdownish = st.lists(
    st.one_of(st.sampled_from(FRAGMENTS), link, raw_tag, st.text(max_size=3)), max_size=30
).map("".join)
any_text = st.text(max_size=300)  # every code point but surrogates, controls included


class Markup(HTMLParser):
    """Every tag in a fragment, as a browser's tokenizer would see it (attribute values
    entity-decoded once), plus anything that is not a tag or text."""

    def __init__(self, markup: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[tuple[str, str]]]] = []
        self.end_tags: list[str] = []
        self.other: list[str] = []
        self.feed(markup)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, [(name, value or "") for name, value in attrs]))

    def handle_endtag(self, tag):
        self.end_tags.append(tag)

    def handle_comment(self, data):
        self.other.append(f"<!--{data}-->")

    def handle_decl(self, decl):
        self.other.append(f"<!{decl}>")

    def handle_pi(self, data):
        self.other.append(f"<?{data}>")

    def unknown_decl(self, data):
        self.other.append(f"<![{data}]>")


def href_scheme(value: str) -> str | None:
    """The scheme of an (already entity-decoded) attribute value, read generously: blanks and
    control characters anywhere are dropped and case is folded before looking for one.

    test_xss.scheme decodes entities itself, which suits raw values but double-decodes the
    parser's; ``&amp;#106;avascript:`` is a harmless relative link, not ``javascript:``."""
    found = SCHEME_RE.match(BLANKS_RE.sub("", value).lower())
    return found[1] if found else None


def assert_inert(html: str) -> None:
    markup = Markup(html)
    assert markup.other == [], f"not a tag nor text: {markup.other}"
    assert set(markup.end_tags) <= ALLOWED_TAGS, f"end tags: {markup.end_tags}"
    for tag, attrs in markup.tags:
        assert tag in ALLOWED_TAGS, f"<{tag}>"
        names = [name for name, _ in attrs]
        assert len(names) == len(set(names)), f"<{tag}> repeats an attribute: {attrs}"
        assert set(names) <= ALLOWED_ATTRIBUTES.get(tag, set()), f"<{tag} {attrs}>"
        values = dict(attrs)
        if "href" in values:
            scheme = href_scheme(values["href"])
            assert scheme is None or scheme in SAFE_SCHEMES, f"<a href={values['href']!r}>"
        if tag == "a":
            assert values.get("rel") == LINK_REL, f"<a> without its rel: {attrs}"
        if "start" in values:
            assert values["start"].isdigit(), f"<ol start={values['start']!r}>"


def sanitise(html: str) -> str:
    return nh3.clean(
        html,
        tags=markdown.ALLOWED_TAGS,
        attributes=markdown.ALLOWED_ATTRIBUTES,
        url_schemes=markdown.URL_SCHEMES,
        link_rel=markdown.LINK_REL,
        strip_comments=True,
    )


def check(source: str) -> None:
    html = markdown.render(source)  # must not raise
    assert isinstance(html, str)
    assert_inert(html)
    assert sanitise(html) == html, "sanitising the output again changes it"
    assert markdown.text_of(html) == unescape(strip_tags(html)), "its words, as Django reads them"


@pytest.mark.parametrize(
    "bad",
    [
        "<script>alert(1)</script>",
        "<img src=x>",
        "<!-- x -->",
        '<a href="https://x">x</a>',  # no rel
        '<a rel="nofollow">x</a>',  # not the whole rel
        f'<a rel="{LINK_REL}" href=" JaVa&#x53;cript:alert(1)">x</a>',
        f'<a rel="{LINK_REL}" href="java&#9;script:alert(1)">x</a>',
        f'<a rel="{LINK_REL}" href="\x01vbscript:x">x</a>',
        f'<a rel="{LINK_REL}" href="data:text/html,x">x</a>',
        f'<a rel="{LINK_REL}" start="1">x</a>',  # start belongs to <ol>
        '<ol href="https://x"></ol>',
        '<p title="x">x</p>',
        '<p hx-get="/x">x</p>',
        '<p style="color:red">x</p>',
        '<p onclick="x">x</p>',
    ],
)
def test_the_checker_catches_what_it_should(bad):
    """A check that passes vacuously is none."""
    with pytest.raises(AssertionError):
        assert_inert(bad)


@pytest.mark.parametrize(
    "good",
    [
        f'<p><a href="https://example.org/" title="t" rel="{LINK_REL}">x</a></p>',
        f'<a href="mailto:a@example.org" rel="{LINK_REL}">x</a>',
        f'<a href="/groups/?a=1&amp;b=2" rel="{LINK_REL}">x</a>',
        f'<a href="&amp;#106;avascript:x" rel="{LINK_REL}">x</a>',  # a relative path
        f'<a rel="{LINK_REL}">x</a>',
        '<ol start="3"><li><code>&lt;b&gt;</code></li></ol><hr><pre><code>x</code></pre>',
    ],
)
def test_the_checker_passes_what_it_should(good):
    assert_inert(good)


@RENDER_SETTINGS
@given(any_text)
@example("")
@example("\x00\x01\x7f\x85\u2028\ufeff\U0010ffff")
@example("[x](\\&#106;avascript:alert(1))")  # href="&amp;#106;avascript:...": relative
def test_any_text_renders_inert_and_stable(source):
    check(source)


@RENDER_SETTINGS
@given(markdownish)
@example("[x](javascript:alert(1))")
@example('<a href="javascript:alert(1)">x</a>')
@example("[x](https://example.org \"t\") <mailto:a@example.org> [y](/rel 'u')\n\n7. z")
def test_markdown_and_html_fragments_render_inert_and_stable(source):
    check(source)


@pytest.mark.parametrize("source", CORPUS + ODDITIES)
def test_the_xss_corpus_passes_the_stricter_checks(source):
    check(source)


@settings(max_examples=examples(50), deadline=None)
@given(st.text(max_size=80))
@example('a "quoted" > b < c &amp; d')
def test_a_post_quoting_any_passage_has_the_words_django_reads(passage_text):
    """A citation's title and the quoted passage carry the text's own characters, quotes and
    angle brackets included, into the stored HTML."""
    passage = markdown.Passage("¶15.11", passage_text, "/groups/g/read/15/#p11")
    citation = markdown.Citation("/groups/g/read/15/#p11", "¶15.11", [passage])
    html, used = markdown.render_citing(
        "As ¶15.11 says.", re.compile(r"¶15\.11"), {"¶15.11": citation}
    )
    assert used == {"¶15.11"}
    assert markdown.text_of(html) == unescape(strip_tags(html))
