"""The facilitators' view of reading progress: members against each meeting's assignments."""

from dataclasses import dataclass, field

from django.db.models import QuerySet

from studygroup.core import compiled

from .models import Meeting, Membership, ReadingMark, StudyGroup


@dataclass
class ProgressTable:
    meeting: Meeting
    columns: list = field(default_factory=list)  # chapters, then readings
    rows: list[tuple[Membership, list[bool]]] = field(default_factory=list)

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
    done = set(compiled.rows("marks-in-group", _marks, {"group_id": group.pk}))
    chapters_done = {(m, c) for m, c, r in done if c}
    readings_done = {(m, r) for m, c, r in done if r}
    tables = []
    for meeting in meetings:
        chapters, readings = list(meeting.chapters.all()), list(meeting.readings.all())
        table = ProgressTable(meeting, [*chapters, *readings])
        # Ids once a table, not once a cell: a cell per member and column.
        chapter_ids, reading_ids = [c.pk for c in chapters], [r.pk for r in readings]
        for member in members:
            m = member.pk
            ticks = [(m, c) in chapters_done for c in chapter_ids]
            ticks += [(m, r) in readings_done for r in reading_ids]
            table.rows.append((member, ticks))
        tables.append(table)
    return tables


def _marks(group_id: int) -> QuerySet[ReadingMark, tuple[int, int | None, int | None]]:
    marks = ReadingMark.objects.filter(membership__group_id=group_id)
    return marks.values_list("membership_id", "chapter_id", "reading_id")
