from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Sample data on top of every other app: the demo group of `make run` and the
    benchmark's data set. No models, no views: management commands only."""

    name = "studygroup.demo"
    label = "demo"
    verbose_name = "Sample data"
