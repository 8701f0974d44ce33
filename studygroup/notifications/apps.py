from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    """A member's inbox and the e-mail that goes with it, above the apps it tells about.

    Groups and discussion announce what happened (their ``events`` modules); the rules of
    who hears of it live in ``rules``, connected here, so neither app imports this one.
    """

    name = "studygroup.notifications"
    label = "notifications"
    verbose_name = "Notifications"

    def ready(self) -> None:
        from . import rules

        rules.connect()
