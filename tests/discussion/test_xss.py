"""Whatever a member types, what the page shows is inert: a corpus of well-known XSS payloads
goes in as answers and comments through the views, and the stored HTML, the htmx fragment
and the rendered page are parsed and checked for anything that could run, load or submit."""

import html as htmllib
import re
from html.parser import HTMLParser

import pytest
from django.urls import reverse

from content.models import Paragraph
from studygroup.discussion import markdown
from studygroup.discussion.models import Answer, Comment
from tests.support import HTMX, answer, comment, logged_in, page, question_url, url

pytestmark = pytest.mark.django_db

CORPUS = [  # 53 payloads; the last is benign links, which must still get their rel
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[click](vbscript:msgbox(1))",
    "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[click](<javascript:alert(1)>)",
    "[click](javascript://%0aalert(1))",
    "[click](%6A%61vascript:alert(1))",
    "[click](&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1))",
    "[click](&#x6A;avascript&colon;alert(1))",
    "[click](java&#x09;script:alert(1))",
    "<javascript:alert(1)>",
    "<JAVASCRIPT:alert(1)>",
    "<vbscript:msgbox(1)>",
    "<data:text/html,<script>alert(1)</script>>",
    '<https://example.org/" onmouseover="alert(1)>',
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "<IMG SRC=JaVaScRiPt:alert('XSS')>",
    "<svg onload=alert(1)>",
    "<svg><animate onbegin=alert(1) attributeName=x dur=1s>",
    '<iframe src="javascript:alert(1)"></iframe>',
    '<object data="javascript:alert(1)"></object>',
    '<embed src="javascript:alert(1)">',
    '<a href="https://example.org" onclick="alert(1)" onmouseover="alert(1)">x</a>',
    '<a href="javascript:alert(1)">raw link</a>',
    '<p style="background:url(javascript:alert(1))">styled</p>',
    "<style>body{display:none}</style>",
    '<div hx-get="/accounts/logout/" hx-trigger="load">x</div>',
    '<button hx-post="/notifications/read/" hx-on:click="alert(1)">x</button>',
    '<span data-hx-get="/admin/" data-hx-trigger="load">x</span>',
    '<form action="https://evil.example/"><input name=x><button>Go</button></form>',
    '<base href="https://evil.example/">',
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "<<script>script>alert(1)<</script>/script>",
    '[x](https://example.org "title\\" onmouseover=\\"alert(1)")',
    "[x](https://example.org 'a\" onmouseover=\"alert(1)')",
    '[x](https://example.org/"><script>alert(1)</script>)',
    "![x](javascript:alert(1))",
    '![x](https://example.org/x.png" onerror="alert(1))',
    "[x]: javascript:alert(1)\n\n[x]",
    "```\n<script>alert(1)</script>\n```",
    "`<img src=x onerror=alert(1)>`",
    "    <iframe src=javascript:alert(1)>",
    "[[x](javascript:alert(1))](https://example.org)",
    "[a](https://example.org)[b](javascript:alert(1))",
    "[![x](https://example.org/i.png)](javascript:alert(1))",
    "> <script>alert(1)</script>\n> [q](javascript:alert(1))",
    "- [li](javascript:alert(1))\n- <img src=x onerror=alert(1)>",
    "@<script>alert(1)</script>",
    "</textarea><script>alert(1)</script>",
    "[ok](https://example.org/a?b=c&d=e) and [mail](mailto:a@example.org) and [rel](/groups/)",
]

# Not reachable through a form (which refuses NUL) or pathological in size: the renderer alone.
ODDITIES = [
    "java\x00script:alert(1)",
    "[x](java\x00script:alert(1))",
    "[" * 5_000 + "x" + "](y)" * 5_000,
    "*" * 10_000,
    "> " * 2_000 + "deep",
    "".join(f"{'  ' * n}- item\n" for n in range(300)),
    "`" * 3_000,
    "\u202e[evil](https://example.org)\u202d \u2028 \ufeff",
    "<" * 3_000 + ">" * 3_000,
    "",
]

ALLOWED_TAGS = {"p", "br", "em", "strong", "del", "a", "ul", "ol", "li", "blockquote"}
ALLOWED_TAGS |= {"code", "pre", "hr"}
ALLOWED_TAGS |= {"details", "summary"}  # the passages a post quotes (citations)
ALLOWED_ATTRIBUTES = {"href", "title", "rel", "start", "class"}
OUR_CLASSES = {"citation", "quoted"}  # only our citation rule writes a class
SAFE_SCHEMES = {None, "http", "https", "mailto"}


class Page(HTMLParser):
    """The tags inside each ``<div class="post-body">``, and every script and on* attribute."""

    def __init__(self, markup: str) -> None:
        super().__init__(convert_charrefs=True)
        self.depth = 0  # <div>s open inside the current post body; 0 when outside one
        self.bodies = 0
        self.inside: list[tuple[str, list[tuple[str, str]]]] = []
        self.scripts: list[dict[str, str]] = []
        self.handlers: list[str] = []
        self.feed(markup)
        self.close()

    def handle_starttag(self, tag, attrs):
        attrs = [(name.lower(), value or "") for name, value in attrs]
        if tag == "script":
            self.scripts.append(dict(attrs))
        self.handlers += [f"<{tag} {name}>" for name, _ in attrs if name.startswith("on")]
        if self.depth:
            self.inside.append((tag, attrs))
            self.depth += tag == "div"
        elif tag == "div" and ("class", "post-body") in attrs:
            self.depth, self.bodies = 1, self.bodies + 1

    def handle_endtag(self, tag):
        if self.depth and tag == "div":
            self.depth -= 1


def scheme(url: str) -> str | None:
    """The scheme a browser would see: entities decoded, blanks and controls gone, lowercased."""
    cleaned = re.sub(r"[\x00-\x20\x7f-\x9f]+", "", htmllib.unescape(url)).lower()
    found = re.match(r"([a-z][a-z0-9+.-]*):", cleaned)
    return found[1] if found else None


def assert_inert(markup: str, bodies: int | None = None) -> None:
    parsed = Page(markup)
    assert bodies is None or parsed.bodies == bodies
    assert parsed.handlers == [], "no event handlers anywhere on the page"
    for tag, attrs in parsed.inside:
        assert tag in ALLOWED_TAGS, f"<{tag}> in a post"
        for name, value in attrs:
            assert not name.startswith(("on", "hx-", "data-hx", "style")), f"<{tag} {name}>"
            assert name in ALLOWED_ATTRIBUTES, f"<{tag} {name}>"
            if name in {"href", "src"}:
                assert scheme(value) in SAFE_SCHEMES, f"<{tag} {name}={value!r}>"
            if name == "class":
                assert value in OUR_CLASSES, f"<{tag} class={value!r}>"
        if tag == "a":
            rel = set(dict(attrs).get("rel", "").split())
            assert {"nofollow", "ugc", "noopener"} <= rel, f"<a> without rel: {attrs}"


def assert_only_our_scripts(markup: str) -> None:
    for script in Page(markup).scripts:
        assert script.get("src", "").startswith("/static/"), script
        assert script.get("nonce"), script


def test_the_checks_catch_what_they_should():
    """The parser would see a payload that got through (a check that passes vacuously is none)."""
    for bad in [
        "<script>alert(1)</script>",
        "<img src=x>",
        '<a href="https://x">x</a>',  # no rel
        '<a rel="nofollow ugc noopener" href=" JaVa&#x53;cript:alert(1)">x</a>',
        '<a rel="nofollow ugc noopener" href="java\tscript:alert(1)">x</a>',
        '<p hx-get="/x">x</p>',
        '<p data-hx-post="/x">x</p>',
        '<p style="color:red">x</p>',
        '<p onclick="x">x</p>',
        '<p class="x">x</p>',
    ]:
        with pytest.raises(AssertionError):
            assert_inert(f'<div class="post-body">{bad}</div>', bodies=1)
    with pytest.raises(AssertionError):
        assert_only_our_scripts("<script>alert(1)</script>")


@pytest.mark.parametrize("source", CORPUS + ODDITIES)
def test_markdown_renders_anything_inertly(source):
    assert_inert(f'<div class="post-body">{markdown.render(source)}</div>', bodies=1)


def test_every_payload_posted_as_answer_and_comment_stays_inert(
    group, membership, mia_membership, member, mia, question
):
    # The whole corpus goes in through the views in one thread: Max's answer holds every
    # payload (so his edit form's textarea carries them all), Mia posts each as a comment; the
    # whole thread is then read by both (each sees their own edit forms).
    maxs_client, mias_client = logged_in(member), logged_in(mia)
    everything = "\n\n".join(CORPUS)
    response = maxs_client.post(url("answer_create", group, question), {"body": everything})
    assert response.status_code == 302
    maxs = Answer.objects.get(author=member)
    assert maxs.body == everything, "the text is kept as typed"
    assert_inert(f'<div class="post-body">{maxs.body_html}</div>', bodies=1)
    for payload in CORPUS:
        response = mias_client.post(
            url("comment_create", group, maxs), {"body": payload}, headers=HTMX
        )
        assert response.status_code == 200
        assert_inert(page(response))
        posted = Comment.objects.latest("pk")
        assert posted.body == payload.strip(), "the text is kept as typed"
        assert_inert(f'<div class="post-body">{posted.body_html}</div>', bodies=1)

    whole_thread = reverse("discussion:question_all", args=[group.slug, question.pk])
    for client in (maxs_client, mias_client):
        markup = page(client.get(whole_thread))
        assert_inert(markup, bodies=1 + len(CORPUS))
        assert_only_our_scripts(markup)


def test_citations_of_a_hostile_paragraph_stay_inert(
    group, membership, mia_membership, member, mia, question
):
    """The quoted passage is the text's, not the member's, but it goes into the link's title
    and the "Quoted" box: escaped, then sanitised with the post. Revised since, too."""
    p11 = Paragraph.objects.get(chapter__text_id=group.text_id, chapter__number=15, position=11)
    Paragraph.objects.filter(pk=p11.pk).update(body=PARAGRAPH_PAYLOAD)
    sources = [
        "¶15.11",
        "[¶15.11](javascript:alert(1)) ¶15.11-12<script>alert(1)</script>",
        '*¶15.11*" onmouseover="alert(1)',
        "<a href='¶15.11'>¶15.11</a>",
        "[x](¶15.11) ![¶15.11](javascript:alert(1))",
    ]
    maxs = answer(membership, question, "\n\n".join(sources))
    assert 'class="citation"' in maxs.body_html
    assert_inert(f'<div class="post-body">{maxs.body_html}</div>', bodies=1)
    for source in sources:
        posted = comment(mia_membership, maxs, source)
        assert_inert(f'<div class="post-body">{posted.body_html}</div>', bodies=1)
    Paragraph.objects.filter(pk=p11.pk).update(body=PARAGRAPH_PAYLOAD + " (revised)")
    for client in (logged_in(member), logged_in(mia)):
        markup = page(client.get(question_url(group, question)))
        assert "Revised since" in markup
        assert_inert(markup)
        assert_only_our_scripts(markup)


PARAGRAPH_PAYLOAD = (
    '"><script>alert(1)</script><img src=x onerror=alert(1)> </details><a href="javascript:x">'
)


def test_a_hostile_display_name_is_inert_in_threads_and_notifications(
    group, membership, mia_membership, member, mia, question
):
    mia.display_name = '<img src=x onerror=alert(1)><script>alert("name")</script>'
    mia.save(update_fields=["display_name"])
    maxs = answer(membership, question)
    parent = None
    for depth in range(6):  # deep enough for "replying to <Mia>"
        parent = comment(mia_membership if depth % 2 == 0 else membership, maxs, parent=parent)
    client = logged_in(member)
    thread = page(client.get(question_url(group, question)))
    assert "replying to <bdi>&lt;img src=x onerror=alert(1)&gt;" in thread
    for markup in (thread, page(client.get(reverse("notifications:inbox")))):
        assert Page(markup).handlers == []
        assert_only_our_scripts(markup)
