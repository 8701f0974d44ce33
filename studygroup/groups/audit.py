from studygroup.accounts.models import User

from .models import AuditEvent, StudyGroup


def audit(*, group: StudyGroup, actor: User | None, action: str, detail: str) -> AuditEvent:
    """Record a change for the group's facilitators and the admins to see later.

    Called inside the transaction of the change itself, so the two stand or fall together.
    """
    return AuditEvent.objects.create(group=group, actor=actor, action=action, detail=detail[:300])
