"""What happens in a group, announced for the layers above (notifications listens).

Each is sent by the service that made the change, inside its transaction and after the
write: what a receiver writes commits or rolls back with the change itself. Receivers tell
people about the change; they never alter it.
"""

from django.dispatch import Signal

join_requested = Signal()  # join_request: someone asks to join a group that needs approval
join_decided = Signal()  # join_request, approved, by: a facilitator answered the request
meeting_planned = Signal()  # meeting, by: a new meeting is in the schedule
meeting_moved = Signal()  # meeting, by, was: its time or place changed (was: "Wed 9 Dec, 18:30")
meeting_cancelled = Signal()  # meeting, by: it is off (the row stays, marked cancelled)
