"""The project's own refusals, so a broken rule is a clear page and never a 500.

Services raise these; views show ``Refused`` as a form error or a message, and Django turns
``NotAllowed`` (a ``PermissionDenied``) into a 403 wherever it is raised.
"""

from django.core.exceptions import PermissionDenied


class Refused(Exception):
    """A change the rules refuse; its message says why, to the person who asked."""


class NotAllowed(PermissionDenied):
    """Someone asked for what their role or authorship does not allow (403)."""
