from django.apps import AppConfig


class OwnDataConfig(AppConfig):
    """A member's own data: everything they wrote, to take away, and deleting the account.

    It sits on top, since it reads every app below: accounts, groups, discussion."""

    name = "studygroup.owndata"
    label = "owndata"
    verbose_name = "Own data"
