"""content.revisions.Shelf: model instances kept in the process, handed out as copies."""

import pytest

from content.models import Chapter, StudyText
from content.revisions import Shelf

pytestmark = pytest.mark.django_db


def test_each_taker_gets_copies_that_change_nothing_kept(shipped_text):
    shelf: Shelf[Chapter] = Shelf()
    chapters = list(Chapter.objects.filter(text=shipped_text).order_by("number")[:2])
    shelf.put({"toc": chapters})
    chapters[0].title = "Changed by the builder after putting"
    first = shelf.take(["toc", "absent"])
    assert list(first) == ["toc"]
    assert first["toc"][0].title == "Tragedy in China"
    first["toc"][0].text = StudyText(slug="elsewhere", title="Another text")  # a view's own
    first["toc"][0].title = "Changed by a taker"
    second = shelf.take(["toc"])["toc"][0]
    assert second.title == "Tragedy in China"
    assert second.text.slug == shipped_text.slug  # its relation cache is its own too


def test_the_oldest_go_past_its_size(shipped_text):
    shelf: Shelf[Chapter] = Shelf(size=2)
    chapter = Chapter.objects.filter(text=shipped_text).first()
    shelf.put({"a": [chapter], "b": [chapter]})
    shelf.take(["a"])  # taken: the most recent now
    shelf.put({"c": [chapter]})
    assert set(shelf.take(["a", "b", "c"])) == {"a", "c"}
