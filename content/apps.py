from django.apps import AppConfig


class ContentConfig(AppConfig):
    name = "content"
    verbose_name = "Study texts"

    def ready(self) -> None:
        from . import revisions

        revisions.connect()  # every change to a text makes it a new revision
