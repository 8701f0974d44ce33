"""The in-process measurements, in a process of their own with the bench database's
settings (production mode, ``DJANGO_ALLOWED_HOSTS=testserver``): SQL queries per page with
Django's test client, EXPLAIN ANALYZE of the question page's main queries, and our render
time of the peer tree. run.py starts it; it logs progress and writes JSON to ``--out``.

    python -m bench.inproc --manifest M.json --out OUT.json --what big|small|render
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from pathlib import Path

from bench import log
from bench.pages import Req, growth_requests, page_requests


def fetch(req: Req, client=None):
    from django.test import Client

    client = client or Client()
    if req.session:
        client.cookies["sessionid"] = req.session
    if req.method == "POST":
        body = dict(p.split("=", 1) for p in req.body.split("&"))
        response = client.post(req.path, {"body": body["body"].replace("+", " ")})
    else:
        response = client.get(req.path)
    if response.status_code not in req.expect:
        raise SystemExit(f"{req.method} {req.path}: {response.status_code}, not {req.expect}")
    if "/accounts/login" in response.get("Location", ""):
        raise SystemExit(f"{req.path}: sent to log in; the bench session does not work")
    return response


def counted(req: Req):
    """The response to ``req`` and the queries it took."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    fetch(req, client)  # the first request may touch the session; count the second
    with CaptureQueriesContext(connection) as captured:
        response = fetch(req, client)
    return response, captured.captured_queries


def explain(queries: list[dict]) -> dict:
    """EXPLAIN ANALYZE of the question page's main queries, on the SQL Django sent."""
    from django.db import connection

    picks = {
        "comments (first screen)": lambda s: (
            'FROM "discussion_comment"' in s and ("ROW_NUMBER()" in s or "first_screen_path" in s)
        ),
        "answers (first page)": lambda s: 'FROM "discussion_answer"' in s and "CASE WHEN" in s,
        "latest activity": lambda s: (
            'FROM "discussion_comment"' in s and '"discussion_comment"."created" DESC' in s
        ),
    }
    plans = {}
    for name, match in picks.items():
        sql = next((q["sql"] for q in queries if match(q["sql"])), None)
        if sql is None:
            continue
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
            plan = "\n".join(row[0] for row in cursor.fetchall())
        plans[name] = {"sql": sql, "plan": plan}
    return plans


def render_peer_tree(xtd: dict, runs: int) -> dict:
    """Our whole-thread page of the peer tree's answer: median of ``runs`` renders."""
    from django.test import Client

    req = Req("GET", f"/groups/{xtd['slug']}/answers/{xtd['answer']}/", xtd["session"])
    client = Client()
    html = fetch(req, client).content.decode()
    shown = html.count('<li class="comment indent-')
    if shown != xtd["comments"]:
        raise SystemExit(f"the whole-thread page shows {shown} comments, not {xtd['comments']}")
    fetch(req, client)  # second warm-up
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fetch(req, client)
        times.append((time.perf_counter() - started) * 1000)
    _, queries = counted(req)
    median = statistics.median(times)
    log(f"  our whole-thread page: median {median:.1f} ms, {len(queries)} queries")
    return {
        "path": req.path,
        "comments": shown,
        "runs": runs,
        "median_ms": round(median, 2),
        "min_ms": round(min(times), 2),
        "times_ms": [round(t, 1) for t in times],
        "queries": len(queries),
        "bytes": len(html.encode()),
    }


def measure(manifest: dict, what: str, render_runs: int) -> dict:
    if what == "render":
        return {"render": render_peer_tree(manifest["xtd"], render_runs)}
    out: dict = {"queries": {}, "growth": {}, "explain": {}}
    for key, reqs in page_requests(manifest).items():
        out["queries"][key] = [len(counted(req)[1]) for req in reqs[:3]]
        log(f"  queries {key}: {out['queries'][key]}")
    if what == "small":
        return out
    for key, req in growth_requests(manifest).items():
        response, queries = counted(req)
        slowest = sorted(queries, key=lambda q: -float(q["time"]))[:3]
        out["growth"][key] = {
            "queries": len(queries),
            "sql_ms": round(sum(float(q["time"]) for q in queries) * 1000, 1),
            "shown": response.content.decode().count('<li class="comment indent-'),
            "bytes": len(response.content),
            "slowest": [
                {"ms": round(float(q["time"]) * 1000, 2), "sql": q["sql"][:160]} for q in slowest
            ],
        }
        if key in ("hot", "growth-10000"):
            out["explain"][key] = explain(queries)
        log(f"  growth {key}: {len(queries)} queries")
    if "xtd" in manifest:
        out["render"] = render_peer_tree(manifest["xtd"], render_runs)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--manifest", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--what", choices=["big", "small", "render"], default="big")
    parser.add_argument("--render-runs", type=int, default=15)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "studygroup.settings")
    import django

    django.setup()
    manifest = json.loads(Path(args.manifest).read_text())
    out = measure(manifest, args.what, args.render_runs)
    Path(args.out).write_text(json.dumps(out, indent=1) + "\n")


if __name__ == "__main__":
    main()
