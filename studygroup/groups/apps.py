from django.apps import AppConfig


class GroupsConfig(AppConfig):
    name = "studygroup.groups"
    label = "groups"
    verbose_name = "Study groups"

    def ready(self) -> None:
        from . import revisions

        revisions.connect()  # every change to a schedule makes it a new revision
