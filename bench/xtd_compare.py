"""Time django-comments-xtd rendering a large comment tree with its own template tag.

A yardstick for our own threaded-discussion rendering: how long does the maintained
Django threaded-comments package, django-comments-xtd, take to render the same tree?

    python bench/xtd_compare.py --make-tree OUT.json --comments 1000 --max-depth 8 --seed 1
    python bench/xtd_compare.py --tree TREE.json [--runs 15] [--venv DIR] [--database-url URL]

TREE.json is a list of {"id", "parent_id", "author", "body", "created"} objects, ids
increasing and parents before children. "depth" counts as in our discussion app: a
top-level comment has depth 0, a reply to it depth 1, and so on (xtd's ``level``).

The script builds (or reuses) a scratch virtualenv outside the repository, installs
pinned versions of django-comments-xtd and its dependencies there with pip, then runs
itself in that venv as a child process (``--child``) with an in-memory Django project
configured in code, on an in-memory SQLite database or, with ``--database-url
postgres://...``, on a PostgreSQL database (made empty beforehand) as it would be deployed:
each of its queries then pays its round trip. The child loads the tree through
``XtdComment.save()`` (which computes thread_id / parent_id / level / order), renders it with
``{% load comments_xtd %}{% render_xtdcomment_tree for object %}`` and its default
templates, checks that every comment made it into the HTML, and reports timings.

Only the standard library is imported at module level, so the same file runs in the venv.
One JSON line goes to stdout; progress goes to stderr.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

XTD_VERSION = "2.10.13"
# django-comments-xtd 2.10.13 declares Django>=4.0,<7 and lists Django 6.0 as the newest
# series its example sites and tests run under; djangorestframework<3.19 (3.18 declares
# Django 5.2/6.0/6.1). Everything is pinned so that runs stay comparable.
DEFAULT_DJANGO = "6.0.10"
PINS = {
    "django-comments-xtd": XTD_VERSION,
    "django-contrib-comments": "2.2.0",
    "djangorestframework": "3.18.3",
    "docutils": "0.23",
    "pytz": "2026.6",
    "six": "1.17.0",
    "asgiref": "3.13.0",
    "sqlparse": "0.6.1",
    # PostgreSQL, as it would be deployed (--database-url): the driver we run on ourselves.
    "psycopg[binary]": "3.3.9",
}
PREFERRED_PYTHON = "/root/.pyenv/versions/3.12.1/bin/python"
DEFAULT_VENV = "/tmp/xtd-bench-venv"
INSTALL_BUDGET_S = 600  # venv creation + pip, all told
CHILD_TIMEOUT_S = 1800
WARMUP_RUNS = 2
MARKER = "xtd-bench-requirements.txt"
REPO_ROOT = Path(__file__).resolve().parent.parent


def log(msg: str) -> None:
    print(f"[xtd-bench] {msg}", file=sys.stderr, flush=True)


# --------------------------------------------------------------------------- tree making

LOREM = (
    "lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor "
    "incididunt ut labore et dolore magna aliqua enim ad minim veniam quis nostrud "
    "exercitation ullamco laboris nisi aliquip ex ea commodo consequat duis aute irure "
    "in reprehenderit voluptate velit esse cillum fugiat nulla pariatur excepteur sint "
    "occaecat cupidatat non proident sunt culpa qui officia deserunt mollit anim id est "
    "laborum curabitur pretium tincidunt lacus nulla gravida orci a odio nullam varius "
    "turpis et commodo pharetra est eros bibendum elit nec luctus magna felis sollicitudin "
    "mauris integer in mauris eu nibh euismod gravida duis ac tellus et risus vulputate "
    "vehicula donec lobortis risus a elit etiam tempor ut ullamcorper ligula eu tempor "
    "congue eros est euismod turpis id tincidunt sapien risus a quam maecenas fermentum "
    "consequat mi donec fermentum pellentesque malesuada nulla a mi duis sapien sem "
    "aliquet nec commodo eget consequat quis neque aliquam faucibus elit ut dictum aliquet"
).split()
FIRST_NAMES = [
    "Anna", "Boris", "Clara", "Dmitri", "Elena", "Farid", "Greta", "Hugo", "Irina", "Jonas",
    "Katya", "Lev", "Maria", "Nikolai", "Olga", "Pavel", "Rosa", "Sergei", "Tanya", "Viktor",
]  # fmt: skip
LAST_NAMES = ["Ivanova", "Petrov", "Sokolova", "Morozov", "Volkova", "Lebedev", "Kozlova"]


def make_authors(count: int = 40) -> list[str]:
    """``count`` distinct names (unique up to 7 x 20 = 140)."""
    names = [
        f"{FIRST_NAMES[i % len(FIRST_NAMES)]} "
        f"{LAST_NAMES[(i + 3 * (i // len(FIRST_NAMES))) % len(LAST_NAMES)]}"
        for i in range(count)
    ]
    assert len(set(names)) == count, "not enough distinct author names"
    return names


def make_sentence(rng: random.Random, words: int) -> str:
    chosen = [rng.choice(LOREM) for _ in range(words)]
    if words > 8 and rng.random() < 0.5:  # a comma now and then
        cut = rng.randrange(3, words - 3)
        chosen[cut] += ","
    text = " ".join(chosen)
    return text[0].upper() + text[1:] + rng.choice(".....?!")


def make_body(rng: random.Random) -> str:
    """1-4 sentences of 5-24 words: ~50-600 characters, short bodies the most common."""
    sentences = rng.choices([1, 2, 3, 4], weights=[4, 4, 3, 2])[0]
    body = " ".join(make_sentence(rng, rng.randint(5, 24)) for _ in range(sentences))
    while len(body) < 50:
        body = body[:-1] + " " + " ".join(rng.choice(LOREM) for _ in range(4)) + "."
    if len(body) > 600:
        body = body[:600].rsplit(" ", 1)[0].rstrip(",") + "."
    return body


def make_tree(comments: int, max_depth: int, seed: int) -> list[dict]:
    """A deterministic, realistic-looking discussion of ``comments`` comments.

    About a fifth are top-level; each reply picks its parent with a bias towards recent
    comments (people answer what they just read), and never deeper than ``max_depth``.
    """
    rng = random.Random(seed)
    authors = make_authors(40)
    author_weights = [1 / (k + 1) ** 0.7 for k in range(len(authors))]  # a few talk a lot
    start = datetime(2024, 3, 4, 18, 0, tzinfo=UTC)
    created = start
    tree: list[dict] = []
    depth: list[int] = []
    for i in range(comments):
        created += timedelta(seconds=rng.randint(30, 75 * 60))
        parent_index = None
        if i > 0 and rng.random() >= 0.2:
            # geometric-ish look-back: mostly the last few comments, sometimes far back
            back = min(i - 1, int(rng.expovariate(1 / 12)))
            candidate = i - 1 - back
            while candidate >= 0 and depth[candidate] >= max_depth:
                candidate -= 1
            if candidate >= 0:
                parent_index = candidate
        depth.append(0 if parent_index is None else depth[parent_index] + 1)
        tree.append(
            {
                "id": i + 1,
                "parent_id": None if parent_index is None else tree[parent_index]["id"],
                "author": rng.choices(authors, weights=author_weights)[0],
                "body": make_body(rng),
                "created": created.isoformat(),
            }
        )
    return tree


def validate_tree(tree: object) -> int:
    """Check the tree's shape; return its greatest depth (top-level = 0)."""
    if not isinstance(tree, list) or not tree:
        raise SystemExit("tree: expected a non-empty JSON list")
    depth: dict[int, int] = {}
    last_id = None
    for n, item in enumerate(tree):
        if not isinstance(item, dict):
            raise SystemExit(f"tree[{n}]: expected an object")
        missing = {"id", "parent_id", "author", "body", "created"} - item.keys()
        if missing:
            raise SystemExit(f"tree[{n}]: missing {sorted(missing)}")
        cid, pid = item["id"], item["parent_id"]
        if not isinstance(cid, int) or (last_id is not None and cid <= last_id):
            raise SystemExit(f"tree[{n}]: ids must be increasing integers")
        if pid is not None and pid not in depth:
            raise SystemExit(f"tree[{n}]: parent {pid} does not come before comment {cid}")
        datetime.fromisoformat(item["created"])
        depth[cid] = 0 if pid is None else depth[pid] + 1
        last_id = cid
    return max(depth.values())


# --------------------------------------------------------------------------- venv setup


def requirements(django_version: str) -> list[str]:
    return [f"Django=={django_version}"] + [f"{name}=={v}" for name, v in PINS.items()]


def base_python() -> str:
    if os.access(PREFERRED_PYTHON, os.X_OK):
        return PREFERRED_PYTHON
    log(f"{PREFERRED_PYTHON} not found; using {sys.executable}")
    return sys.executable


def run_bounded(cmd: list[str], deadline: float, what: str) -> None:
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise SystemExit(f"error: gave up on {what}: install budget of {INSTALL_BUDGET_S}s spent")
    try:
        # pip's own chatter is progress: send it to stderr, keep stdout for the result
        subprocess.run(cmd, check=True, stdout=sys.stderr, stderr=sys.stderr, timeout=remaining)
    except subprocess.TimeoutExpired:
        raise SystemExit(
            f"error: {what} did not finish within the {INSTALL_BUDGET_S}s install budget "
            "(is PyPI reachable?)"
        ) from None
    except subprocess.CalledProcessError as exc:
        raise SystemExit(f"error: {what} failed with exit code {exc.returncode}") from None


def ensure_venv(venv: Path, django_version: str) -> Path:
    venv = venv.expanduser().resolve()
    if venv.is_relative_to(REPO_ROOT):
        raise SystemExit(f"error: the scratch venv must live outside the repository: {venv}")
    python = venv / "bin" / "python"
    wanted = "\n".join(requirements(django_version)) + "\n"
    marker = venv / MARKER
    if python.exists() and marker.exists() and marker.read_text() == wanted:
        check = subprocess.run(
            [str(python), "-c", "import django, django_comments, django_comments_xtd"],
            capture_output=True,
        )
        if check.returncode == 0:
            log(f"reusing venv {venv}")
            return python
        log(f"venv {venv} is broken; reinstalling")
    deadline = time.monotonic() + INSTALL_BUDGET_S
    if not python.exists():
        log(f"creating venv {venv}")
        run_bounded([base_python(), "-m", "venv", str(venv)], deadline, "creating the venv")
    if marker.exists():
        marker.unlink()
    log("installing " + " ".join(requirements(django_version)))
    run_bounded(
        [
            str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
            "--no-input", "--timeout", "30", "--retries", "3",
            *requirements(django_version),
        ],
        deadline,
        "pip install",
    )  # fmt: skip
    marker.write_text(wanted)
    return python


# --------------------------------------------------------------------------- child (in venv)


def child_main(args: argparse.Namespace) -> None:
    import types

    import django
    from django.conf import settings

    tree = json.loads(Path(args.tree).read_text())
    max_depth = validate_tree(tree)
    max_level = max(8, max_depth)

    database = {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}
    if args.database_url:
        from urllib.parse import urlsplit

        url = urlsplit(args.database_url)
        database = {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": url.path.lstrip("/"),
            "USER": url.username or "",
            "PASSWORD": url.password or "",
            "HOST": url.hostname or "",
            "PORT": str(url.port or ""),
        }
    settings.configure(
        DEBUG=False,
        SECRET_KEY="xtd-bench-not-secret",
        ALLOWED_HOSTS=["testserver"],
        DATABASES={"default": database},
        INSTALLED_APPS=[
            "django.contrib.contenttypes",
            "django.contrib.auth",
            "django.contrib.sites",
            "rest_framework",
            "django_comments_xtd",
            "django_comments",
        ],
        SITE_ID=1,
        USE_TZ=True,
        TIME_ZONE="UTC",
        ROOT_URLCONF="xtd_bench_urls",
        DEFAULT_AUTO_FIELD="django.db.models.AutoField",
        COMMENTS_APP="django_comments_xtd",
        COMMENTS_XTD_MAX_THREAD_LEVEL=max_level,
        COMMENTS_XTD_CONFIRM_EMAIL=False,
        TEMPLATES=[
            {
                "BACKEND": "django.template.backends.django.DjangoTemplates",
                "DIRS": [],
                "APP_DIRS": True,  # xtd's and django_comments' shipped templates
                "OPTIONS": {
                    "context_processors": [
                        "django.template.context_processors.request",
                        "django.contrib.auth.context_processors.auth",
                    ]
                },
            }
        ],
    )
    django.setup()

    from django.contrib.auth.models import AnonymousUser, User
    from django.contrib.contenttypes.models import ContentType
    from django.contrib.sites.models import Site
    from django.core.management import call_command
    from django.db import connection
    from django.template import RequestContext, Template
    from django.test import RequestFactory
    from django.test.utils import CaptureQueriesContext
    from django.urls import include, path
    from django.utils.html import escape
    from django_comments_xtd.models import XtdComment

    # The default templates reverse xtd's URLs (permalink, reply link), so mount them.
    urls = types.ModuleType("xtd_bench_urls")
    urls.urlpatterns = [path("comments/", include("django_comments_xtd.urls"))]
    sys.modules["xtd_bench_urls"] = urls

    call_command("migrate", run_syncdb=True, verbosity=0)
    site = Site.objects.get(pk=1)  # the object every comment is posted to
    site_type = ContentType.objects.get_for_model(site)

    users: dict[str, User] = {}
    if args.authors == "users":
        for n, name in enumerate(sorted({item["author"] for item in tree})):
            first, _, last = name.partition(" ")
            users[name] = User.objects.create(
                username=f"member{n}", first_name=first, last_name=last,
                email=f"member{n}@example.org",
            )  # fmt: skip

    log(f"loading {len(tree)} comments through XtdComment.save() (max depth {max_depth})")
    started = time.perf_counter()
    db_id: dict[int, int] = {}
    for item in tree:
        author = item["author"]
        comment = XtdComment(
            content_type=site_type,
            object_pk=str(site.pk),
            site=site,
            user=users.get(author),
            user_name=author,
            user_email=f"{author.lower().replace(' ', '.')}@example.org",
            comment=item["body"],
            submit_date=datetime.fromisoformat(item["created"]),
            is_public=True,
        )
        if item["parent_id"] is not None:
            comment.parent_id = db_id[item["parent_id"]]
        comment.save()  # computes thread_id, parent_id, level, order, nested_count
        db_id[item["id"]] = comment.pk
    log(f"loaded in {time.perf_counter() - started:.1f}s")

    levels = dict(XtdComment.norel_objects.values_list("pk", "level"))
    expected_depth: dict[int, int] = {}
    for item in tree:
        pid = item["parent_id"]
        expected_depth[item["id"]] = 0 if pid is None else expected_depth[pid] + 1
        if levels[db_id[item["id"]]] != expected_depth[item["id"]]:
            raise SystemExit(f"error: xtd stored comment {item['id']} at the wrong level")

    tag = " ".join(["{% render_xtdcomment_tree for object", *args.tag_args.split(), "%}"])
    template = Template("{% load comments_xtd %}" + tag)
    request = RequestFactory().get("/")
    # The tag reads context["user"] (tree_from_queryset(user=...)); the auth context
    # processor supplies it from request.user: a reader who is not logged in.
    request.user = AnonymousUser()

    def render() -> str:
        return template.render(RequestContext(request, {"object": site}))

    html = render()
    missing = [item["id"] for item in tree if escape(item["body"]) not in html]
    missing_ids = [item["id"] for item in tree if f'id="c{db_id[item["id"]]}"' not in html]
    if missing or missing_ids:
        raise SystemExit(
            f"error: rendered tree lacks {len(missing)} bodies and {len(missing_ids)} "
            f"comment ids (first: {(missing or missing_ids)[:5]})"
        )
    log(f"rendered all {len(tree)} comments ({len(html) / 1e6:.2f} MB of HTML)")

    for _ in range(WARMUP_RUNS - 1):  # the check above was the first warm-up run
        render()
    times = []
    for n in range(args.runs):
        started = time.perf_counter()
        render()
        times.append((time.perf_counter() - started) * 1000)
        log(f"run {n + 1}/{args.runs}: {times[-1]:.1f} ms")

    with CaptureQueriesContext(connection) as captured:
        render()

    times.sort()
    p95 = times[min(len(times) - 1, math.ceil(0.95 * len(times)) - 1)]
    import django_comments_xtd

    result = {
        "package": "django-comments-xtd",
        "database": connection.vendor,
        "bytes": len(html.encode()),
        "version": django_comments_xtd.get_version(),
        "django": django.get_version(),
        "comments": len(tree),
        "runs": args.runs,
        "median_ms": round(statistics.median(times), 2),
        "p95_ms": round(p95, 2),
        "min_ms": round(times[0], 2),
        "queries": len(captured.captured_queries),
        "authors": args.authors,
        "tag": tag,
        "python": sys.version.split()[0],
    }
    print(json.dumps(result), flush=True)


# --------------------------------------------------------------------------- entry point


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--tree", help="JSON tree to render")
    mode.add_argument("--make-tree", metavar="OUT", help="write a generated tree to OUT")
    parser.add_argument("--comments", type=int, default=1000, help="for --make-tree")
    parser.add_argument("--max-depth", type=int, default=8, help="for --make-tree (top = 0)")
    parser.add_argument("--seed", type=int, default=1, help="for --make-tree")
    parser.add_argument("--runs", type=int, default=15, help="timed renders (after 2 warm-ups)")
    parser.add_argument("--venv", default=DEFAULT_VENV, help="scratch virtualenv directory")
    parser.add_argument(
        "--django", default=DEFAULT_DJANGO, help=f"Django version (default {DEFAULT_DJANGO})"
    )
    parser.add_argument(
        "--authors",
        choices=["users", "anonymous"],
        default="users",
        help="post as 40 logged-in users (default) or as anonymous name/email comments",
    )
    parser.add_argument(
        "--tag-args",
        default="",
        help='extra render_xtdcomment_tree options, e.g. "allow_feedback allow_flagging"',
    )
    parser.add_argument(
        "--database-url",
        default="",
        help="postgres://user@host:port/name, an empty database (default: SQLite in memory)",
    )
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    allowed = {"allow_feedback", "show_feedback", "allow_flagging"}
    if not set(args.tag_args.split()) <= allowed:
        parser.error(f"--tag-args takes only {sorted(allowed)}")
    return args


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    if args.make_tree:
        if args.comments < 1 or args.max_depth < 0:
            raise SystemExit("--comments must be >= 1 and --max-depth >= 0")
        tree = make_tree(args.comments, args.max_depth, args.seed)
        Path(args.make_tree).write_text(json.dumps(tree, indent=1) + "\n")
        lengths = sorted(len(item["body"]) for item in tree)
        top = sum(item["parent_id"] is None for item in tree)
        log(
            f"wrote {len(tree)} comments to {args.make_tree}: {top} top-level, "
            f"max depth {validate_tree(tree)}, bodies {lengths[0]}-{lengths[-1]} chars "
            f"(median {lengths[len(lengths) // 2]})"
        )
        return
    if args.child:
        child_main(args)
        return

    tree_path = Path(args.tree).resolve()
    validate_tree(json.loads(tree_path.read_text()))
    python = ensure_venv(Path(args.venv), args.django)
    cmd = [
        str(python), "-I", str(Path(__file__).resolve()), "--child",
        "--tree", str(tree_path), "--runs", str(args.runs),
        "--authors", args.authors, "--tag-args", args.tag_args,
        "--database-url", args.database_url,
    ]  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="xtd-bench-") as scratch:
        try:
            child = subprocess.run(
                cmd, cwd=scratch, stdout=subprocess.PIPE, text=True, timeout=CHILD_TIMEOUT_S
            )
        except subprocess.TimeoutExpired:
            raise SystemExit(f"error: benchmark did not finish in {CHILD_TIMEOUT_S}s") from None
    if child.returncode != 0:
        raise SystemExit(f"error: benchmark child failed (exit {child.returncode})")
    lines = [line for line in child.stdout.splitlines() if line.startswith("{")]
    if not lines:
        raise SystemExit("error: benchmark child printed no result")
    print(lines[-1], flush=True)


if __name__ == "__main__":
    main()
