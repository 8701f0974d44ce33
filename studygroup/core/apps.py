from django.apps import AppConfig


class CoreConfig(AppConfig):
    """What every app's pages share: the client address and rate limits, safe redirects,
    ids from forms, times as people read them, the 503 page. No models; imports no app."""

    name = "studygroup.core"
    label = "core"
    verbose_name = "Core"

    def ready(self) -> None:
        from . import checks  # noqa: F401  (registers them)
