"""``manage.py bench_data --manifest OUT.json``: the benchmark's synthetic data set, written
with bulk_create, and a manifest (JSON) of the groups, ids and session keys that
bench/run.py measures with. ``make bench`` runs it; by hand:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/studygroup_bench \\
    DJANGO_SECRET_KEY=... python manage.py bench_data --manifest OUT.json [--groups 300 ...]

The database must be migrated and hold the shipped study text (``import_text``), and no
groups yet. What it adds: ``--groups`` groups of ``--members`` members each (one or two
facilitators), every group with ``--meetings`` meetings (past and upcoming; 2 chapters, 1-2
readings and 2 questions each), answers to the text's questions from 60-80 % of the members
in most groups, 0-5 nested comments on each, reading marks, notifications and a few join
requests. Group 0 ("hot") is bigger: its first question has ``--hot-answers`` answers and
``--hot-comments`` comments nested up to depth 8, and it gets one group-only question per
``--growth`` size with that many comments on 12 answers. ``--xtd-tree`` loads a comment
tree made by bench/xtd_compare.py as one answer's thread in a group of its own.

Sessions are written straight into django_session (signed with DJANGO_SECRET_KEY, which the
app server must share), so the load tools send ``Cookie: sessionid=...`` and never log in.
The same options and ``--seed`` give the same data set (random keys and tokens aside).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.auth.hashers import make_password
from django.contrib.sessions.models import Session
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.db.models import Model
from django.utils import timezone
from django.utils.crypto import get_random_string

from content.models import Chapter, Question, ReadingItem, StudyText
from studygroup.accounts.models import User
from studygroup.accounts.sessions import BACKEND, SessionStore
from studygroup.discussion import markdown
from studygroup.discussion.models import Answer, Comment
from studygroup.discussion.services import comments_repath
from studygroup.groups.models import (
    GroupQuestion,
    JoinRequest,
    Meeting,
    Membership,
    ReadingMark,
    StudyGroup,
)
from studygroup.notifications.models import Notification

MAX_DEPTH = 8
GROWTH_ANSWERS = 12  # answers of each growth question: a first screen (10) and more
BATCH = 5000
SESSION_CHARS = "abcdefghijklmnopqrstuvwxyz0123456789"

FIRST = (
    "Anna Boris Clara Dmitri Elena Farid Greta Hugo Irina Jonas Katya Lev Maria Nikolai "
    "Olga Pavel Rosa Sergei Tanya Viktor Wanda Yuri Zoya Amir Bea Cyril Dora Emil"
).split()
LAST = (
    "Ivanova Petrov Sokolova Morozov Volkova Lebedev Kozlova Novak Berg Quinn Okafor "
    "Haddad Larsen Moreau Rossi Schmidt Tanaka Weber"
).split()
WORDS = (
    "revolution soviet party peasants workers bureaucracy congress strike theory "
    "practice programme internationalism comintern opposition faction debate "
    "leadership masses historical conditions material struggle state power class "
    "dictatorship democracy plan industrialisation collectivisation grain market "
    "question answer chapter argument evidence source author period decade policy "
    "the a of and to in that is was for on with as by it not but what this which"
).split()


def log(msg: str) -> None:
    print(f"[bench-data] {msg}", file=sys.stderr, flush=True)


def sentence(rng: random.Random, lo: int, hi: int) -> str:
    words = [rng.choice(WORDS) for _ in range(rng.randint(lo, hi))]
    if rng.random() < 0.2:
        k = rng.randrange(len(words))
        words[k] = f"*{words[k]}*"
    text = " ".join(words)
    return text[0].upper() + text[1:] + rng.choice("..!?")


def body_pool(rng: random.Random, n: int, sentences: tuple[int, int]) -> list[tuple[str, str]]:
    """``n`` Markdown bodies with their HTML, rendered once by the app's own renderer."""
    pool = []
    for i in range(n):
        parts = [sentence(rng, 5, 18) for _ in range(rng.randint(*sentences))]
        if i % 7 == 0:
            parts.append(f"See [the chapter](https://example.org/notes/{i}) for more.")
        if i % 11 == 0:
            parts.append("\n\n- " + sentence(rng, 3, 8) + "\n- " + sentence(rng, 3, 8))
        source = " ".join(parts)
        pool.append((source, markdown.render(source)))
    return pool


def thread_shape(rng: random.Random, n: int) -> list[int | None]:
    """Parents (indexes into the same list) of ``n`` comments: some top-level, most replies
    to recent comments, never deeper than MAX_DEPTH (top-level = 0)."""
    parents: list[int | None] = []
    depth: list[int] = []
    for i in range(n):
        parent = None
        if i > 0 and rng.random() >= 0.25:
            candidate = i - 1 - min(i - 1, int(rng.expovariate(1 / 6)))
            while candidate >= 0 and depth[candidate] >= MAX_DEPTH:
                candidate -= 1
            parent = candidate if candidate >= 0 else None
        parents.append(parent)
        depth.append(0 if parent is None else depth[parent] + 1)
    return parents


def alloc_ids(model, n: int) -> list[int]:
    """``n`` ids from the table's own sequence, increasing: parents can be named before they
    are written, and get smaller ids than their replies (as comments_repath expects)."""
    if n == 0:
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            [model._meta.db_table, n],
        )
        return sorted(row[0] for row in cursor.fetchall())


class Builder:
    def __init__(self, args: argparse.Namespace):
        self.args = args
        self.rng = random.Random(args.seed)
        self.now = timezone.now()
        text = StudyText.objects.order_by("id").first()
        if text is None:
            raise CommandError("import the study text first (manage.py import_text)")
        self.text = text
        self.chapters = list(Chapter.objects.filter(text=self.text).order_by("number"))
        self.readings = list(
            ReadingItem.objects.filter(text=self.text).order_by("level", "position")
        )
        self.questions = list(Question.objects.of_text(self.text))
        self.answer_bodies = body_pool(self.rng, 300, (2, 6))
        self.comment_bodies = body_pool(self.rng, 600, (1, 3))
        self.password = make_password("bench-only-password")
        self.comments: list[Comment] = []
        self.commented: list[int] = []
        self.counts: dict[str, int] = {}

    # ---------------------------------------------------------------- people and groups

    def users(self, n: int, names: list[str] | None = None, prefix: str = "u") -> list[User]:
        rng = self.rng
        rows = []
        for i in range(n):
            name = names[i] if names else f"{rng.choice(FIRST)} {rng.choice(LAST)}"
            rows.append(
                User(
                    username=f"{prefix}{i:05d}",
                    display_name=name,
                    email=f"{prefix}{i:05d}@bench.example",
                    email_choice="none",  # no SMTP traffic from a benchmark
                    password=self.password,
                    date_joined=self.now - timedelta(days=rng.randint(60, 400)),
                    calendar_token=get_random_string(32),
                )
            )
        return User.objects.bulk_create(rows, batch_size=BATCH)

    def build(self) -> dict:
        args, rng = self.args, self.rng
        started = time.monotonic()
        n_groups, per = args.groups, args.members
        hot_size = max(per, args.hot_answers, GROWTH_ANSWERS if args.growth else 0)
        users = self.users(n_groups * per)
        log(f"{len(users)} users")
        groups = StudyGroup.objects.bulk_create(
            [
                StudyGroup(
                    name="Hot topics circle" if g == 0 else f"Study group {g:03d}",
                    slug="hot" if g == 0 else f"g{g:03d}",
                    text=self.text,
                    description="A synthetic group for the benchmark.",
                    meeting_place=f"Room {g % 12 + 1}, Community Centre",
                    join_policy=StudyGroup.JoinPolicy.APPROVAL,
                    invite_code=get_random_string(22),
                    # Some unmeasured groups hold answers back (answer-first); measured
                    # groups show everything, so their pages carry their full content.
                    answer_first=g >= args.measured_groups and g % 4 == 3,
                )
                for g in range(n_groups)
            ]
        )
        members: dict[int, list[User]] = {}
        memberships: list[Membership] = []
        for g, group in enumerate(groups):
            own = users[g * per : (g + 1) * per]
            if g == 0 and hot_size > per:  # the hot group draws members from the others
                others = [u for u in users[per:] if u not in own][: hot_size - per]
                own = own + others
            members[group.pk] = own
            n_fac = 2 if rng.random() < 0.5 else 1
            for i, user in enumerate(own):
                memberships.append(
                    Membership(
                        group=group,
                        user=user,
                        role=Membership.Role.FACILITATOR if i < n_fac else Membership.Role.MEMBER,
                        joined=self.now - timedelta(days=rng.randint(30, 200)),
                    )
                )
        memberships = Membership.objects.bulk_create(memberships, batch_size=BATCH)
        by_group: dict[int, list[Membership]] = {}
        for m in memberships:
            by_group.setdefault(m.group_id, []).append(m)
        log(f"{len(groups)} groups, {len(memberships)} memberships")

        meetings = self.meetings(groups)
        self.marks(groups, by_group, meetings)
        answers = self.answers(groups, members)
        hot = self.hot(groups[0], members[groups[0].pk], answers)
        growth = self.growth(groups[0], members[groups[0].pk]) if args.growth else []
        xtd = self.xtd(Path(args.xtd_tree)) if args.xtd_tree else None
        self.write_comments()
        self.notifications_and_requests(groups, users, members)
        manifest = self.sessions_and_manifest(groups, by_group, meetings, answers, hot, growth, xtd)
        manifest["counts"] = self.counts | {
            "users": User.objects.count(),
            "groups": StudyGroup.objects.count(),
            "memberships": Membership.objects.count(),
            "meetings": Meeting.objects.count(),
            "answers": Answer.objects.count(),
            "comments": Comment.objects.count(),
            "reading_marks": ReadingMark.objects.count(),
            "notifications": Notification.objects.count(),
            "sessions": Session.objects.count(),
        }
        manifest["build_seconds"] = round(time.monotonic() - started, 1)
        log(f"built in {manifest['build_seconds']} s: {manifest['counts']}")
        return manifest

    def meetings(self, groups: list[StudyGroup]) -> dict[int, list[Meeting]]:
        rng, n = self.rng, self.args.meetings
        rows = []
        for group in groups:
            for k in range(n):
                # Weekly, about half of them past: k - past weeks from now.
                starts = (self.now + timedelta(days=7 * (k - n // 2 - 0.5))).replace(
                    minute=0, second=0, microsecond=0
                ) + timedelta(hours=rng.randint(-3, 3))
                rows.append(
                    Meeting(
                        group=group,
                        starts_at=starts,
                        ends_at=starts + timedelta(minutes=90),
                        notes=f"Meeting {k + 1}: bring your notes." if k % 2 else "",
                    )
                )
        rows = Meeting.objects.bulk_create(rows, batch_size=BATCH)
        chapters: list[Model] = []  # rows of the three through tables
        readings: list[Model] = []
        questions: list[Model] = []
        through = Meeting.chapters.through, Meeting.readings.through, Meeting.questions.through
        by_group: dict[int, list[Meeting]] = {}
        for meeting in rows:
            k = len(by_group.setdefault(meeting.group_id, []))
            by_group[meeting.group_id].append(meeting)
            for c in (2 * k, 2 * k + 1):
                chapters.append(
                    through[0](meeting=meeting, chapter=self.chapters[c % len(self.chapters)])
                )
            for r in [k, k + 4][: rng.randint(1, 2)]:
                readings.append(
                    through[1](meeting=meeting, readingitem=self.readings[r % len(self.readings)])
                )
            for q in (2 * k, 2 * k + 1):
                questions.append(
                    through[2](meeting=meeting, question=self.questions[q % len(self.questions)])
                )
        for model, items in zip(through, (chapters, readings, questions), strict=True):
            model._default_manager.bulk_create(items, batch_size=BATCH)  # `objects`
        log(f"{len(rows)} meetings")
        return by_group

    def marks(self, groups, by_group: dict[int, list[Membership]], meetings) -> None:
        rows = []
        for group in groups:
            past = [m for m in meetings[group.pk] if m.ends_at < self.now]
            items = set()
            for meeting in past:
                k = meetings[group.pk].index(meeting)
                items |= {
                    ("c", self.chapters[c % len(self.chapters)].pk) for c in (2 * k, 2 * k + 1)
                }
                items.add(("r", self.readings[k % len(self.readings)].pk))
            for membership in by_group[group.pk]:
                for kind, pk in sorted(items):
                    if self.rng.random() < 0.6:
                        rows.append(
                            ReadingMark(
                                membership=membership,
                                chapter_id=pk if kind == "c" else None,
                                reading_id=pk if kind == "r" else None,
                            )
                        )
        ReadingMark.objects.bulk_create(rows, batch_size=BATCH)
        log(f"{len(rows)} reading marks")

    # ---------------------------------------------------------------- the discussion

    def answer(self, group, question, author, created) -> Answer:
        body, html = self.rng.choice(self.answer_bodies)
        return Answer(
            group=group,
            question=question,
            author=author,
            body=body,
            body_html=html,
            created=created,
            last_activity=created,
        )

    def thread(self, answer: Answer, authors: list[User], n: int, parents=None, bodies=None):
        """Queue ``n`` comments for ``answer`` (written later, in one go)."""
        rng = self.rng
        parents = thread_shape(rng, n) if parents is None else parents
        ids = alloc_ids(Comment, n)
        depth: list[int] = []
        at = answer.created
        for i, parent in enumerate(parents):
            at += timedelta(minutes=rng.randint(1, 240))
            depth.append(0 if parent is None else depth[parent] + 1)
            if bodies:
                author, body, html, at = bodies[i]
            else:
                author = rng.choice(authors)
                body, html = rng.choice(self.comment_bodies)
            self.comments.append(
                Comment(
                    pk=ids[i],
                    answer=answer,
                    parent_id=None if parent is None else ids[parent],
                    author=author,
                    body=body,
                    body_html=html,
                    depth=depth[-1],
                    created=at,
                )
            )
        if n:
            self.commented.append(answer.pk)

    def answers(self, groups, members) -> dict[tuple[int, int], list[Answer]]:
        rng, args = self.rng, self.args
        rows = []
        for g, group in enumerate(groups):
            active = g < args.measured_groups or rng.random() < 0.85
            for q in self.questions:
                share = rng.uniform(0.6, 0.8) if active else 0.1
                if g == 0 and q == self.questions[0]:
                    continue  # the hot question: below
                people = members[group.pk]
                for user in rng.sample(people, round(share * len(people))):
                    created = self.now - timedelta(minutes=rng.randint(60, 60 * 24 * 40))
                    rows.append(self.answer(group, q, user, created))
        rows = Answer.objects.bulk_create(rows, batch_size=BATCH)
        by_key: dict[tuple[int, int], list[Answer]] = {}
        for answer in rows:
            by_key.setdefault((answer.group_id, answer.question_id), []).append(answer)
            self.thread(answer, members[answer.group_id], rng.randint(0, 5))
        log(f"{len(rows)} answers, {len(self.comments)} comments on them")
        return by_key

    def hot(self, group, people: list[User], answers) -> dict:
        """The hot question: ``--hot-answers`` answers, ``--hot-comments`` comments, most of
        them on the earliest answers (which everyone reads first)."""
        rng, args = self.rng, self.args
        question = self.questions[0]
        start = self.now - timedelta(days=6)
        rows = [
            self.answer(group, question, user, start + timedelta(minutes=7 * i))
            for i, user in enumerate(people[: args.hot_answers])
        ]
        rows = Answer.objects.bulk_create(rows, batch_size=BATCH)
        answers[(group.pk, question.pk)] = rows
        weights = [1 / (k + 1) ** 0.8 for k in range(len(rows))]
        share = [0] * len(rows)
        for k in rng.choices(range(len(rows)), weights=weights, k=args.hot_comments):
            share[k] += 1
        for answer, n in zip(rows, share, strict=True):
            self.thread(answer, people, n)
        log(f"hot question {question.pk}: {len(rows)} answers, {args.hot_comments} comments")
        return {"question": question.pk, "answers": len(rows), "comments": args.hot_comments}

    def growth(self, group, people: list[User]) -> list[dict]:
        """One group-only question per size, its comments spread over 12 answers."""
        out = []
        for position, size in enumerate(self.args.growth, start=1):
            question = Question.objects.create(
                body=f"Growth probe: a discussion of {size:,} comments. What follows?"
            )
            GroupQuestion.objects.create(question=question, group=group, position=position)
            start = self.now - timedelta(days=3)
            rows = Answer.objects.bulk_create(
                [
                    self.answer(group, question, user, start + timedelta(minutes=5 * i))
                    for i, user in enumerate(people[:GROWTH_ANSWERS])
                ]
            )
            order = [k % len(rows) for k in range(size)]
            for k, answer in enumerate(rows):
                self.thread(answer, people, order.count(k))
            out.append({"comments": size, "question": question.pk, "answers": len(rows)})
            log(f"growth question {question.pk}: {size} comments")
        return out

    def xtd(self, path: Path) -> dict:
        """xtd_compare.py's tree as one answer's thread: same parents, bodies, authors."""
        tree = json.loads(path.read_text())
        names = sorted({item["author"] for item in tree})
        authors = dict(zip(names, self.users(len(names), names, prefix="xtd"), strict=True))
        group = StudyGroup.objects.create(
            name="Peer comparison", slug="xtd-compare", text=self.text, invite_code="xtd-compare"
        )
        Membership.objects.bulk_create(
            Membership(group=group, user=user, role=Membership.Role.MEMBER)
            for user in authors.values()
        )
        # A reader who has not commented: the page shows the thread as most members see it.
        reader = self.users(1, ["Peer Reader"], prefix="xtdreader")[0]
        Membership.objects.create(group=group, user=reader)
        first = datetime.fromisoformat(tree[0]["created"]) - timedelta(hours=1)
        answer = self.answer(group, self.questions[0], authors[names[0]], first)
        answer.save()
        index = {item["id"]: n for n, item in enumerate(tree)}
        parents = [None if it["parent_id"] is None else index[it["parent_id"]] for it in tree]
        bodies = [
            (
                authors[it["author"]],
                it["body"],
                markdown.render(it["body"]),
                datetime.fromisoformat(it["created"]),
            )
            for it in tree
        ]
        self.thread(answer, [], len(tree), parents=parents, bodies=bodies)
        log(f"peer tree: {len(tree)} comments on answer {answer.pk}")
        return {"slug": group.slug, "answer": answer.pk, "comments": len(tree), "reader": reader}

    def write_comments(self) -> None:
        started = time.monotonic()
        Comment.objects.bulk_create(self.comments, batch_size=BATCH)
        # bulk_create skips what comment_post keeps: reading-order paths and counts.
        for k in range(0, len(self.commented), 5000):
            comments_repath(answer_ids=self.commented[k : k + 5000])
        log(f"{len(self.comments)} comments written in {time.monotonic() - started:.1f} s")
        self.counts["comments_built"] = len(self.comments)

    def notifications_and_requests(self, groups, users, members) -> None:
        rng = self.rng
        rows = []
        by_user_group: dict[int, StudyGroup] = {}
        for group in groups:
            for user in members[group.pk]:
                by_user_group.setdefault(user.pk, group)
        for user in users:
            group = by_user_group.get(user.pk, groups[0])
            for k in range(rng.randint(0, 6)):
                rows.append(
                    Notification(
                        recipient=user,
                        kind=Notification.Kind.REPLY,
                        group=group,
                        text="Someone replied to your answer",
                        url=f"/groups/{group.slug}/",
                        created=self.now - timedelta(hours=rng.randint(1, 500)),
                        read=None if k % 2 else self.now,
                    )
                )
        Notification.objects.bulk_create(rows, batch_size=BATCH)
        requests = []
        for g, group in enumerate(groups):
            if g % 10 == 5:
                outsider = users[(g * self.args.members + 7 * self.args.members) % len(users)]
                if outsider not in members[group.pk]:
                    requests.append(JoinRequest(group=group, user=outsider))
        JoinRequest.objects.bulk_create(requests)
        log(f"{len(rows)} notifications, {len(requests)} join requests")

    # ---------------------------------------------------------------- sessions, manifest

    def sessions_and_manifest(self, groups, by_group, meetings, answers, hot, growth, xtd):
        args, rng = self.args, self.rng
        store = SessionStore()
        expires = self.now + timedelta(days=30)
        sessions: list[Session] = []

        def session_for(user: User) -> str:
            key = get_random_string(32, SESSION_CHARS)
            data = {
                SESSION_KEY: str(user.pk),
                BACKEND_SESSION_KEY: BACKEND,
                HASH_SESSION_KEY: user.get_session_auth_hash(),
            }
            sessions.append(
                Session(session_key=key, session_data=store.encode(data), expire_date=expires)
            )
            return key

        measured = groups[: args.measured_groups]
        user_ids = {m.user_id for g in measured for m in by_group[g.pk]}
        users_by_id = User.objects.in_bulk(user_ids)
        chapters = [c.number for c in self.chapters]
        out_groups = []
        for group in measured:
            ms = by_group[group.pk]
            facilitator = next(m for m in ms if m.is_facilitator)
            plain = [m for m in ms if not m.is_facilitator]
            group_answers = [
                a.pk for q in self.questions for a in answers.get((group.pk, q.pk), [])
            ]
            out_groups.append(
                {
                    "slug": group.slug,
                    "meetings": [m.pk for m in meetings[group.pk]],
                    "questions": [q.pk for q in self.questions],
                    "answers": rng.sample(group_answers, min(30, len(group_answers))),
                    "facilitator": session_for(users_by_id[facilitator.user_id]),
                    "plain": plain,
                }
            )
        # The simulated members: spread over the measured groups, the hot group included.
        # A tenth of them in the hot group (it is hot because many read it), the rest
        # round-robin over the measured groups.
        mixed: list[dict[str, Any]] = [
            {"group": 0, "session": session_for(users_by_id[m.user_id])}
            for m in out_groups[0]["plain"][: max(1, args.mixed_members // 10)]
        ]
        for taken in range(max(len(g["plain"]) for g in out_groups)):
            for n, g in enumerate(out_groups[1:], start=1):
                if taken < len(g["plain"]) and len(mixed) < args.mixed_members:
                    user = users_by_id[g["plain"][taken].user_id]
                    mixed.append({"group": n, "session": session_for(user)})
        for g in out_groups:
            g["members"] = [m["session"] for m in mixed if out_groups[m["group"]] is g]
            del g["plain"]
        # Posting: a quiet answer of its own in the second measured group, never the hot one.
        post_group = measured[1] if len(measured) > 1 else measured[0]
        post_question = self.questions[-1]
        post_answer = next(
            a
            for a in answers[(post_group.pk, post_question.pk)]
            if a.author_id != by_group[post_group.pk][0].user_id
        )
        posters = [  # not its author: each post then does the same work (a reply notice)
            session_for(User.objects.get(pk=m.user_id))
            for m in by_group[post_group.pk]
            if m.user_id != post_answer.author_id
        ]
        manifest = {
            "text": self.text.slug,
            "chapters": chapters,
            "groups": out_groups,
            "mixed": mixed,
            "hot": hot | {"slug": groups[0].slug, "group": 0},
            "growth": growth,
            "posting": {"slug": post_group.slug, "answer": post_answer.pk, "sessions": posters},
        }
        if xtd:
            manifest["xtd"] = {k: v for k, v in xtd.items() if k != "reader"} | {
                "session": session_for(xtd["reader"])
            }
        Session.objects.bulk_create(sessions, batch_size=BATCH)
        log(f"{len(sessions)} sessions")
        return manifest


class Command(BaseCommand):
    help = "Build the benchmark's synthetic data set and write its manifest (bench/run.py)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--manifest", required=True, help="where to write the manifest (JSON)")
        parser.add_argument("--groups", type=int, default=300)
        parser.add_argument("--members", type=int, default=20, help="members per group")
        parser.add_argument("--meetings", type=int, default=5, help="meetings per group")
        parser.add_argument("--hot-answers", type=int, default=200)
        parser.add_argument("--hot-comments", type=int, default=2000)
        parser.add_argument(
            "--growth",
            default="100,1000,10000",
            help="comma-separated comment counts of the growth questions ('' for none)",
        )
        parser.add_argument("--xtd-tree", help="xtd_compare.py --make-tree output to load")
        parser.add_argument("--measured-groups", type=int, default=100)
        parser.add_argument("--mixed-members", type=int, default=200)
        parser.add_argument("--seed", type=int, default=1)

    def handle(self, *args, **options) -> None:
        opts = argparse.Namespace(**options)
        opts.growth = [int(x) for x in opts.growth.split(",") if x.strip()]
        opts.measured_groups = max(1, min(opts.measured_groups, opts.groups))
        if opts.groups < 2 or opts.members < 3:
            raise CommandError("need at least 2 groups of 3 members")
        # Thousands of users with one known password: never on top of real groups.
        if StudyGroup.objects.exists():
            raise CommandError("the database has groups already: bench data goes into a new one")
        with transaction.atomic():
            manifest = Builder(opts).build()
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        Path(opts.manifest).write_text(json.dumps(manifest, indent=1) + "\n")
