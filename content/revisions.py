"""What is the same for every reader of a text, built once and kept under the text's
revision.

A text's ``revision`` is made anew whenever the text or any part of it changes: the admin's
edits, an import, reversion's restores, the shell. The receivers below see every save and
delete of a part, whatever made it, so no path can forget; the importer's bulk writes, which
send no signals, make one revision for the whole import. Kept things live
in this process (a ``Shelf``; a chapter's article in the ``local`` cache, by the template's
``{% cache %}``) under keys that name the revision: a change is a new key, so nothing kept is
ever shown stale, and no process has to tell another. A random revision
rather than a counter, so that a key never comes back after a rollback or a restore.
"""

import copy
import threading
import uuid
from collections import OrderedDict
from collections.abc import Iterable

from django.db.models import Model, Q, QuerySet
from django.db.models.signals import m2m_changed, post_delete, post_save

from .models import Chapter, Paragraph, Question, ReadingItem, StudyText


class Shelf[M: Model]:
    """Model instances kept in this process as they are, not pickled (a group's schedule,
    some forty instances: 30 µs to take against 170 µs to unpickle): each taker gets
    shallow copies (``copy.copy`` gives each its own field and
    relation cache, so setting ``meeting.group`` on one changes nothing kept), while what
    they only read (the prefetched lists) is shared. The oldest go past ``size`` entries.
    Keys name the revisions of everything the kept things show."""

    def __init__(self, size: int = 2_000) -> None:
        self.size = size
        self._items: OrderedDict[str, list[M]] = OrderedDict()
        self._lock = threading.Lock()

    def take(self, keys: Iterable[str]) -> dict[str, list[M]]:
        with self._lock:
            found = {key: self._items[key] for key in keys if key in self._items}
            for key in found:
                self._items.move_to_end(key)
        return {key: [copy.copy(obj) for obj in objs] for key, objs in found.items()}

    def put(self, items: dict[str, list[M]]) -> None:
        """Kept as copies: the caller goes on with the originals."""
        copies = {key: [copy.copy(obj) for obj in objs] for key, objs in items.items()}
        with self._lock:
            self._items.update(copies)
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


def _revised(texts: QuerySet[StudyText]) -> None:
    """These texts changed: what was kept under their old revisions is no longer asked for."""
    texts.update(revision=uuid.uuid4())


def _part_changed(sender: type[Model], instance: Model, **_: object) -> None:
    if isinstance(instance, Paragraph):
        _revised(StudyText.objects.filter(chapters=instance.chapter_id))
    else:  # a chapter, a question (a group's own has no text), a reading
        _revised(StudyText.objects.filter(pk=instance.text_id))  # type: ignore[attr-defined]


def _question_chapters_changed(
    sender: type[Model], instance: Model, action: str, pk_set: set[int] | None, **_: object
) -> None:
    """A question's chapters (either side of the link): its text and the chapters' texts."""
    if action.startswith("post_"):
        chapters = Chapter.objects.filter(pk__in=pk_set or ()).values("text_id")
        own = instance.text_id  # type: ignore[attr-defined]  # a chapter's, or a question's
        _revised(StudyText.objects.filter(Q(pk=own) | Q(pk__in=chapters)))


def connect() -> None:
    for model in (Chapter, Paragraph, Question, ReadingItem):
        post_save.connect(_part_changed, sender=model, dispatch_uid=f"revision-{model.__name__}")
        post_delete.connect(_part_changed, sender=model, dispatch_uid=f"revised-{model.__name__}")
    m2m_changed.connect(
        _question_chapters_changed, sender=Question.chapters.through, dispatch_uid="revision-qc"
    )


TABLES_OF_CONTENTS: Shelf[Chapter] = Shelf()


def table_of_contents(text: StudyText) -> list[Chapter]:
    """The text's chapters in order (retired ones left out), kept per revision."""
    return tables_of_contents([text])[text.pk]


def tables_of_contents(texts: Iterable[StudyText]) -> dict[int, list[Chapter]]:
    """Each text's ``table_of_contents``: those not kept yet in one query, however many."""
    keys = {text.pk: f"toc:{text.pk}:{text.revision}" for text in texts}
    found = TABLES_OF_CONTENTS.take(list(keys.values()))
    missing = {pk: key for pk, key in keys.items() if key not in found}
    if missing:
        loaded: dict[str, list[Chapter]] = {key: [] for key in missing.values()}
        chapters = Chapter.objects.filter(text_id__in=list(missing)).in_order()
        for chapter in chapters.only("text", "number", "title"):
            loaded[missing[chapter.text_id]].append(chapter)
        TABLES_OF_CONTENTS.put(loaded)
        found |= loaded
    return {pk: found[key] for pk, key in keys.items()}
