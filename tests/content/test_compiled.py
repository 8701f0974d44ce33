"""content.compiled: a query compiled once per shape gives what the ORM gives."""

import pytest
from django.db import connection
from django.db.models import Count
from django.test.utils import CaptureQueriesContext

from content import compiled
from content.models import Chapter, ReadingItem, StudyText
from studygroup.groups.models import Membership, StudyGroup

pytestmark = pytest.mark.django_db


def chapters(text_id: int, numbers: list[int]):
    return Chapter.objects.filter(text_id=text_id, number__in=numbers).values_list(
        "number", "title"
    )


@pytest.mark.parametrize("numbers", [[15], [16, 17], [21, 15], [18, 19]])
def test_rows_are_the_orm_s_for_any_values(shipped_text, numbers):
    values: compiled.Values = {"text_id": shipped_text.pk, "numbers": numbers}
    assert sorted(compiled.rows("test-chapters", chapters, values)) == sorted(
        chapters(shipped_text.pk, numbers)
    )


@pytest.mark.parametrize("numbers", [[10**30], [15, 2**63], [-(2**63) - 1]])
def test_a_number_no_row_can_hold_matches_nothing(shipped_text, numbers):
    """An id from a URL or a form may be any length: no row has it, and no driver's
    overflow makes it a 500."""
    values: compiled.Values = {"text_id": shipped_text.pk, "numbers": numbers}
    assert compiled.rows("test-chapters", chapters, values) == []


def test_a_positive_field_compiles_with_its_stand_ins(shipped_text):
    """Django finds nothing for a negative value of a positive field: the stand-ins are
    positive, so a query on a chapter's number compiles."""
    found = compiled.objects(
        "test-chapter-number",
        lambda text_id, number: Chapter.objects.filter(text_id=text_id, number=number),
        {"text_id": shipped_text.pk, "number": 17},
    )
    assert [chapter.number for chapter in found] == [17]


def test_a_field_too_small_for_the_stand_ins_is_named(shipped_text):
    """On PostgreSQL a small-integer field's range has no room for a stand-in: the error
    names the query that could not be compiled, where Django's EmptyResultSet would name
    none. SQLite's integers are all 64-bit, and the query compiles."""

    def levels(text_id: int, level: int):
        return ReadingItem.objects.filter(text_id=text_id, level=level).values_list("pk")

    values: compiled.Values = {"text_id": shipped_text.pk, "level": 1}
    if connection.vendor == "postgresql":
        with pytest.raises(ValueError, match="test-small-field"):
            compiled.rows("test-small-field", levels, values)
    else:
        found = compiled.rows("test-small-field", levels, values)
        assert sorted(found) == sorted(levels(shipped_text.pk, 1)) != []


def test_one_is_the_instance_a_unique_key_finds_or_none(shipped_text):
    def by_number(text_id: int, number: int):
        return Chapter.objects.select_related("text").filter(text_id=text_id, number=number)

    found = compiled.one("test-one", by_number, {"text_id": shipped_text.pk, "number": 17})
    assert found is not None and (found.number, found.text.slug) == (17, shipped_text.slug)
    assert compiled.one("test-one", by_number, {"text_id": shipped_text.pk, "number": 99}) is None


def test_compiled_once_a_shape_then_only_run(shipped_text, monkeypatch):
    built = []

    def counting(**values):
        built.append(values)
        return chapters(**values)

    key = "test-once"
    for numbers in ([15, 16], [17, 18], [19, 20]):
        compiled.rows(key, counting, {"text_id": shipped_text.pk, "numbers": numbers})
    compiled.rows(key, counting, {"text_id": shipped_text.pk, "numbers": [15]})
    assert len(built) == 2  # two lengths of list, two shapes
    with CaptureQueriesContext(connection) as queries:
        compiled.rows(key, counting, {"text_id": shipped_text.pk, "numbers": [20, 21]})
    assert len(queries) == 1


def test_an_empty_list_matches_nothing(shipped_text):
    assert compiled.rows("test-empty", chapters, {"text_id": shipped_text.pk, "numbers": []}) == []


def test_a_value_the_sql_does_not_take_as_a_parameter_is_refused(shipped_text):
    def ignores_its_value(text_id: int, numbers: list[int]):
        return Chapter.objects.filter(number__in=numbers).values_list("number")

    with pytest.raises(ValueError, match="not every value"):
        compiled.rows("test-lost", ignores_its_value, {"text_id": 1, "numbers": [15]})


def test_columns_come_back_as_the_orm_gives_them(shipped_text):
    """Through each column's converters: a datetime is a datetime on SQLite too, not text."""

    def created(text_id: int):
        return StudyText.objects.filter(pk=text_id).values_list("created", "revision")

    [(when, revision)] = compiled.rows("test-types", created, {"text_id": shipped_text.pk})
    assert (when, revision) == (shipped_text.created, shipped_text.revision)
    assert when.tzinfo is not None


def members_of(slug: str, user_id: int):
    return Membership.objects.select_related("group__text", "user").filter(
        group__slug=slug, user_id=user_id
    )


def test_objects_are_the_orm_s_with_what_they_select_related(membership, group, member):
    [found] = compiled.objects(
        "test-members", members_of, {"slug": group.slug, "user_id": member.pk}
    )
    [expected] = members_of(group.slug, member.pk)
    assert found == expected and found.__dict__.keys() == expected.__dict__.keys()
    with CaptureQueriesContext(connection) as queries:
        assert (found.group.text.title, found.user.name) == (group.text.title, member.name)
        assert found.joined == expected.joined and found.joined.tzinfo is not None
    assert len(queries) == 0  # all in the one row, as select_related has it
    assert not found._state.adding and found._state.db == "default"


def test_a_name_is_a_value_like_an_id(membership, group, member, group_b):
    """The slug is a parameter: the same compiled query finds another group's, or none."""
    values = {"slug": group_b.slug, "user_id": member.pk}
    assert compiled.objects("test-members", members_of, values) == []
    values = {"slug": group.slug, "user_id": member.pk}
    assert compiled.objects("test-members", members_of, values) == [membership]


def test_objects_carry_their_annotations(group, membership):
    def with_count(group_id: int):
        return StudyGroup.objects.filter(pk=group_id).annotate(people=Count("memberships"))

    [found] = compiled.objects("test-annotated", with_count, {"group_id": group.pk})
    assert (found, found.people) == (group, 2)


def test_update_each_writes_every_row_its_own_values(group, member, facilitator):
    """A JSON list, a text and a time each written back to its own row, as read again."""
    from django.utils import timezone

    from studygroup.notifications.models import Notification

    notes = Notification.objects.bulk_create(
        Notification(recipient=user, kind="watched", group=group, text="-", url="/", phrase="p")
        for user in (member, facilitator)
    )
    when = timezone.now()
    notes[0].add_actor(facilitator, when)
    notes[1].add_actor(member, when)
    notes[1].actor_ids = [member.pk, 99]
    with CaptureQueriesContext(connection) as queries:
        compiled.update_each(notes, ["actor_ids", "text", "created"])
    assert len(queries) == 1
    found = {n.pk: n for n in Notification.objects.filter(pk__in=[n.pk for n in notes])}
    for note in notes:
        again = found[note.pk]
        assert (again.actor_ids, again.text, again.created) == (note.actor_ids, note.text, when)
    compiled.update_each([], ["text"])  # nothing to write: no statement
