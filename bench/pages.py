"""What the bench asks for: each page's requests over the manifest that
``manage.py bench_data`` wrote, the growth probes, and a simulated member's next action."""

from __future__ import annotations

import random
import string
from dataclasses import dataclass

CSRF = "".join(random.Random(5).choices(string.ascii_letters + string.digits, k=32))


@dataclass
class Req:
    method: str
    path: str
    session: str = ""
    body: str = ""
    expect: tuple = (200,)

    def cookie(self) -> str:
        parts = []
        if self.session:
            parts.append(f"sessionid={self.session}")
        if self.method == "POST":
            parts.append(f"csrftoken={CSRF}")
        return "; ".join(parts)

    def tsv(self) -> str:
        csrf = CSRF if self.method == "POST" else ""
        return "\t".join([self.method, self.path, self.cookie(), csrf, self.body])

    def raw(self, port: int) -> bytes:
        lines = [
            f"{self.method} {self.path} HTTP/1.1",
            f"Host: 127.0.0.1:{port}",
            "User-Agent: studygroup-bench/asyncio",
            "Connection: close",
        ]
        if self.cookie():
            lines.append(f"Cookie: {self.cookie()}")
        body = self.body.encode()
        if self.method == "POST":
            lines += [
                f"X-CSRFToken: {CSRF}",
                "Content-Type: application/x-www-form-urlencoded",
                f"Content-Length: {len(body)}",
            ]
        return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


PAGES = [
    # key, label, who asks
    ("home", "home /", "visitor"),
    ("chapter", "chapter 17", "member"),
    ("dashboard", "dashboard", "member"),
    ("group", "group page", "member"),
    ("meeting", "meeting page", "member"),
    ("progress", "progress table", "facilitator"),
    ("question", "question, ordinary", "member"),
    ("hot", "question, hot", "member of its group"),
    ("comment", "post a comment", "member"),
]
LABELS = {key: label for key, label, _ in PAGES}


def chapter_number(manifest: dict) -> int:
    return (
        17 if 17 in manifest["chapters"] else manifest["chapters"][len(manifest["chapters"]) // 2]
    )


def comment_body(n: int) -> str:
    return f"body=A+benchmark+comment+number+{n}%2C+posted+under+load."


def page_requests(manifest: dict) -> dict[str, list[Req]]:
    """Each page's requests, spread over the measured groups and members; wrk cycles them."""
    rng = random.Random(7)
    groups, hot = manifest["groups"], manifest["hot"]
    hot_group = groups[hot["group"]]
    others = [g for n, g in enumerate(groups) if n != hot["group"]] or groups
    members = [m["session"] for m in manifest["mixed"]]
    text, chapter = manifest["text"], chapter_number(manifest)
    pages: dict[str, list[Req]] = {
        "home": [Req("GET", "/")],
        "chapter": [Req("GET", f"/texts/{text}/chapters/{chapter}/", s) for s in members],
        "dashboard": [Req("GET", "/dashboard/", s) for s in members],
        "group": [Req("GET", f"/groups/{g['slug']}/", s) for g in groups for s in g["members"]],
        "meeting": [
            Req("GET", f"/groups/{g['slug']}/meetings/{m}/", g["members"][k % len(g["members"])])
            for g in groups
            for k, m in enumerate(g["meetings"])
            if g["members"]
        ],
        "progress": [
            Req("GET", f"/groups/{g['slug']}/progress/", g["facilitator"]) for g in groups
        ],
        "question": [
            Req("GET", f"/groups/{g['slug']}/questions/{q}/", g["members"][k % len(g["members"])])
            for g in others
            for k, q in enumerate(g["questions"])
            if g["members"]
        ],
        "hot": [
            Req("GET", f"/groups/{hot['slug']}/questions/{hot['question']}/", s)
            for s in hot_group["members"]
        ],
        "comment": [
            Req(
                "POST",
                f"/groups/{manifest['posting']['slug']}/answers/{manifest['posting']['answer']}"
                "/comments/",
                s,
                comment_body(k),
                (302,),
            )
            for k, s in enumerate(manifest["posting"]["sessions"])
        ],
    }
    for key in pages:
        if key != "home":
            rng.shuffle(pages[key])
    return pages


def growth_requests(manifest: dict) -> dict[str, Req]:
    """The first loads compared as the thread grows: one viewer, one URL each."""
    hot = manifest["hot"]
    viewer = manifest["groups"][hot["group"]]["members"][0]
    out = {"hot": Req("GET", f"/groups/{hot['slug']}/questions/{hot['question']}/", viewer)}
    for g in manifest["growth"]:
        out[f"growth-{g['comments']}"] = Req(
            "GET", f"/groups/{hot['slug']}/questions/{g['question']}/", viewer
        )
    other = next(g for n, g in enumerate(manifest["groups"]) if n != hot["group"])
    out["question"] = Req(
        "GET", f"/groups/{other['slug']}/questions/{other['questions'][0]}/", other["members"][0]
    )
    return out


@dataclass
class Member:
    session: str
    group: dict
    hot: bool


MIX = [("dashboard", 15), ("group", 15), ("meeting", 15), ("question", 30), ("chapter", 20)]
MIX += [("comment", 5)]


def member_action(rng: random.Random, m: Member, manifest: dict, counter: list[int]):
    kind = rng.choices([k for k, _ in MIX], weights=[w for _, w in MIX])[0]
    g, slug = m.group, m.group["slug"]
    if kind == "dashboard":
        return kind, Req("GET", "/dashboard/", m.session)
    if kind == "group":
        return kind, Req("GET", f"/groups/{slug}/", m.session)
    if kind == "meeting":
        return kind, Req("GET", f"/groups/{slug}/meetings/{rng.choice(g['meetings'])}/", m.session)
    if kind == "chapter":
        number = rng.choice(manifest["chapters"])
        return kind, Req("GET", f"/texts/{manifest['text']}/chapters/{number}/", m.session)
    if kind == "question":
        if m.hot and rng.random() < 0.5:
            q = manifest["hot"]["question"]
            return "hot", Req("GET", f"/groups/{slug}/questions/{q}/", m.session)
        return kind, Req(
            "GET", f"/groups/{slug}/questions/{rng.choice(g['questions'])}/", m.session
        )
    counter[0] += 1
    answer = rng.choice(g["answers"])
    path = f"/groups/{slug}/answers/{answer}/comments/"
    return kind, Req("POST", path, m.session, comment_body(counter[0]), (302,))


def simulated_members(manifest: dict, count: int) -> list[Member]:
    groups = manifest["groups"]
    members = [
        Member(m["session"], groups[m["group"]], m["group"] == manifest["hot"]["group"])
        for m in manifest["mixed"]
    ]
    return (members * (count // max(1, len(members)) + 1))[:count]
