"""What is the same for every reader of a text, built once and kept under the text's
revision.

A text's ``revision`` is made anew whenever the text or any part of it changes: the admin's
edits, an import, reversion's restores, the shell. The receivers below see every save and
delete of a part, whatever made it, so no path can forget; the importer's bulk writes, which
send no signals, make one revision for the whole import (``text_revised``). Kept things live
in the per-process ``local`` cache under keys that name the revision: a change is a new key,
so nothing kept is ever shown stale, and no process has to tell another. A random revision
rather than a counter, so that a key never comes back after a rollback or a restore.
"""

import copy
import threading
import uuid
from collections import OrderedDict
from collections.abc import Callable, Iterable

from django.core.cache import caches
from django.db.models import Model
from django.db.models.signals import m2m_changed, post_delete, post_save

from .models import Chapter, Paragraph, Question, ReadingItem, StudyText

# A day: a key outlives its use only until its revision moves on; this bounds what an old
# revision keeps in memory (the cache also culls past its MAX_ENTRIES).
KEEP_FOR = 24 * 60 * 60


def kept[T](key: str, build: Callable[[], T]) -> T:
    """``build()``, or what it gave last time under ``key`` in this process. The key must
    name the revisions of everything ``build`` reads."""
    cache = caches["local"]
    value = cache.get(key)
    if value is None:
        value = build()
        cache.set(key, value, KEEP_FOR)
    return value


class Shelf[M: Model]:
    """Model instances kept in this process as they are, not pickled (a group's schedule,
    some forty instances: 30 µs to take against 170 µs to unpickle): each taker gets
    shallow copies (``copy.copy`` gives each its own field and
    relation cache, so setting ``meeting.group`` on one changes nothing kept), while what
    they only read (the prefetched lists) is shared. The oldest go past ``size`` entries.
    Keys name revisions, as ``kept``'s do."""

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


def text_revised(text_id: int | None) -> None:
    """The text changed: what was kept under its old revision is no longer asked for."""
    if text_id is not None:
        StudyText.objects.filter(pk=text_id).update(revision=uuid.uuid4())


def _part_changed(sender: type[Model], instance: Model, **_: object) -> None:
    if isinstance(instance, Paragraph):
        StudyText.objects.filter(chapters=instance.chapter_id).update(revision=uuid.uuid4())
    else:  # a chapter, a question (a group's own has no text), a reading
        text_revised(instance.text_id)  # type: ignore[attr-defined]


def _question_chapters_changed(
    sender: type[Model], instance: Model, action: str, pk_set: set[int] | None, **_: object
) -> None:
    """A question's chapters (either side of the link): the texts of the chapters."""
    if action.startswith("post_"):
        chapters = Chapter.objects.filter(pk__in=pk_set or ()).values("text_id")
        touched = {instance.text_id}  # type: ignore[attr-defined]  # a chapter's, or a question's
        StudyText.objects.filter(pk__in=[*touched - {None}]).update(revision=uuid.uuid4())
        StudyText.objects.filter(pk__in=chapters).update(revision=uuid.uuid4())


def connect() -> None:
    for model in (Chapter, Paragraph, Question, ReadingItem):
        post_save.connect(_part_changed, sender=model, dispatch_uid=f"revision-{model.__name__}")
        post_delete.connect(_part_changed, sender=model, dispatch_uid=f"revised-{model.__name__}")
    m2m_changed.connect(
        _question_chapters_changed, sender=Question.chapters.through, dispatch_uid="revision-qc"
    )


def table_of_contents(text: StudyText) -> list[Chapter]:
    """The text's chapters in order (retired ones left out), kept per revision."""
    return kept(
        f"toc:{text.pk}:{text.revision}",
        lambda: list(text.chapters.in_order().only("text", "number", "title")),
    )
