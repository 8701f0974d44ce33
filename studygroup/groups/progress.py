"""The facilitators' view of reading progress: members against each meeting's assignments."""

from collections.abc import Hashable, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field

from django.db.models import QuerySet

from content import compiled

from .models import Meeting, Membership, ReadingMark, StudyGroup


@dataclass
class ProgressTable:
    meeting: Meeting
    columns: list = field(default_factory=list)  # chapters, then readings
    rows: list[tuple[Membership, list[bool]]] = field(default_factory=list)

    @classmethod
    def filled(
        cls,
        meeting: Meeting,
        columns: list,
        keys: Sequence[Hashable],
        members: list[Membership],
        done: AbstractSet[tuple[int, Hashable]],
        *,
        member_key: str = "pk",
    ) -> "ProgressTable":
        """``members`` against ``columns``: a cell is done when (the member's ``member_key``,
        the column's key) is in ``done``. Keys are read once a table, not once a cell."""
        table = cls(meeting, columns)
        for member in members:
            m = getattr(member, member_key)
            table.rows.append((member, [(m, key) in done for key in keys]))
        return table

    @property
    def done_counts(self) -> list[int]:
        return [sum(row[1][i] for row in self.rows) for i in range(len(self.columns))]


def table_for(
    group: StudyGroup, meetings: list[Meeting], members: list[Membership]
) -> list[ProgressTable]:
    """One table per meeting, in two queries whatever the number of members or meetings.

    ``meetings`` come with their assignments prefetched (``with_assignments``); ``members``
    are the group's (``members_by_name``).
    """
    # A mark names a chapter or a reading: (chapter id, None) or (None, reading id).
    marks = compiled.rows("marks-in-group", _marks, {"group_id": group.pk})
    done = {(m, (c, r)) for m, c, r in marks}
    tables = []
    for meeting in meetings:
        chapters, readings = list(meeting.chapters.all()), list(meeting.readings.all())
        keys = [(c.pk, None) for c in chapters] + [(None, r.pk) for r in readings]
        tables.append(ProgressTable.filled(meeting, [*chapters, *readings], keys, members, done))
    return tables


def _marks(group_id: int) -> QuerySet[ReadingMark, tuple[int, int | None, int | None]]:
    marks = ReadingMark.objects.filter(membership__group_id=group_id)
    return marks.values_list("membership_id", "chapter_id", "reading_id")
