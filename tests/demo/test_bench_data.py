"""``manage.py bench_data``: the benchmark's data set and the manifest bench/run.py reads."""

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from studygroup.discussion.models import PATH_PENDING, Answer, Comment
from studygroup.groups.models import StudyGroup

# Comment ids come from the table's own sequence (nextval), as the bench builds them.
pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="bench_data draws ids from PostgreSQL sequences"
)

SIZES = {"groups": 3, "members": 4, "hot_answers": 5, "hot_comments": 30, "growth": "20"}
SIZES |= {"measured_groups": 2, "mixed_members": 6}


def build(tmp_path) -> dict:
    path = tmp_path / "manifest.json"
    call_command("bench_data", manifest=str(path), stderr=StringIO(), **SIZES)
    return json.loads(path.read_text())


def test_it_builds_the_data_set_and_its_manifest(shipped_text, tmp_path, client):
    manifest = build(tmp_path)
    assert manifest["counts"]["groups"] == 3
    assert [g["slug"] for g in manifest["groups"]] == ["hot", "g001"]  # the measured ones
    hot = manifest["hot"]
    assert hot["answers"] == 5 and hot["comments"] == 30
    on_hot = Comment.objects.filter(answer__group__slug="hot", answer__question_id=hot["question"])
    assert on_hot.count() == 30
    assert [g["comments"] for g in manifest["growth"]] == [20]
    assert Answer.objects.filter(question_id=manifest["growth"][0]["question"]).count() == 12
    assert 1 <= len(manifest["mixed"]) <= 6  # as many plain members as the groups have
    # Reading order filled in after bulk_create: every comment has its path.
    assert not Comment.objects.filter(path=PATH_PENDING).exists()

    # The sessions it writes are logged in: the load tools never log in.
    client.cookies["sessionid"] = manifest["mixed"][0]["session"]
    assert client.get("/dashboard/").status_code == 200
    group = manifest["groups"][0]
    client.cookies["sessionid"] = group["facilitator"]
    assert client.get(f"/groups/{group['slug']}/progress/").status_code == 200


def test_it_refuses_a_database_with_groups(shipped_text, tmp_path):
    StudyGroup.objects.create(name="Real readers", slug="real", text=shipped_text)
    with pytest.raises(CommandError, match="has groups already"):
        build(tmp_path)
    assert StudyGroup.objects.count() == 1


def test_it_needs_the_study_text(no_texts, tmp_path):
    with pytest.raises(CommandError, match="import the study text first"):
        build(tmp_path)
