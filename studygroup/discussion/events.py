"""What happens in a discussion, announced for the layers above (notifications listens).

Sent by the services inside the write's transaction, after the write; see
``studygroup.groups.events`` for the contract.
"""

from django.dispatch import Signal

answer_posted = Signal()  # answer, membership
comment_posted = Signal()  # comment, membership (its parent, if a reply, is comment.parent)
note_posted = Signal()  # note, membership (its parent, if a reply, is note.parent)
post_edited = Signal()  # post, user, body_before: the text changed
