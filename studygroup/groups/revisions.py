"""A group's schedule revision, made anew whenever what its schedule shows changes: a
meeting planned, moved, cancelled or deleted, its chapters, readings or questions, and the
words of the group's own questions. Receivers see every save and delete, whatever made it
(the services, the admin, the shell), so no path can forget; the text's parts move the
text's revision (content/revisions.py), which the schedule's key names too."""

import uuid

from django.db.models import Model, QuerySet
from django.db.models.signals import m2m_changed, post_delete, post_save

from content.models import Question

from .models import GroupQuestion, Meeting, StudyGroup


def _revised(groups: QuerySet[StudyGroup]) -> None:
    groups.update(schedule_revision=uuid.uuid4())


def _meeting_changed(sender: type[Model], instance: Meeting, **_: object) -> None:
    _revised(StudyGroup.objects.filter(pk=instance.group_id))


def _assignments_changed(
    sender: type[Model], instance: Model, action: str, reverse: bool, pk_set: set[int] | None,
    **_: object,
) -> None:  # fmt: skip
    if not action.startswith("post_"):
        return
    if reverse:  # from the chapter's (reading's, question's) side: the meetings named
        groups = Meeting.objects.filter(pk__in=pk_set or ()).values("group_id")
        _revised(StudyGroup.objects.filter(pk__in=groups))
    else:
        _revised(StudyGroup.objects.filter(pk=instance.group_id))  # type: ignore[attr-defined]


def _own_question_changed(sender: type[Model], instance: Model, **_: object) -> None:
    if isinstance(instance, GroupQuestion):
        _revised(StudyGroup.objects.filter(pk=instance.group_id))
    elif instance.text_id is None:  # type: ignore[attr-defined]  # a group's own question
        _revised(StudyGroup.objects.filter(own_questions__question_id=instance.pk))


def connect() -> None:
    post_save.connect(_meeting_changed, sender=Meeting, dispatch_uid="schedule-meeting")
    post_delete.connect(_meeting_changed, sender=Meeting, dispatch_uid="schedule-meeting-gone")
    for field in ("chapters", "readings", "questions"):
        through = getattr(Meeting, field).through
        m2m_changed.connect(_assignments_changed, sender=through, dispatch_uid=f"schedule-{field}")
    for model in (GroupQuestion, Question):
        post_save.connect(_own_question_changed, sender=model, dispatch_uid=f"own-{model.__name__}")
        post_delete.connect(
            _own_question_changed, sender=model, dispatch_uid=f"own-{model.__name__}-gone"
        )
