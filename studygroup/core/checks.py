"""System checks for a production deploy (``manage.py check --deploy``)."""

from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import Error, Tags, register


@register(Tags.security, deploy=True)
def site_url(app_configs: object, **kwargs: object) -> list[Error]:
    """Every e-mail's links start with SITE_URL (no request to take the host from): in
    production it must be set, to an absolute public address."""
    if settings.DEBUG:
        return []
    url = urlsplit(settings.SITE_URL)
    if url.scheme in ("http", "https") and url.hostname and url.hostname not in LOCAL:
        return []
    return [
        Error(
            f"DJANGO_SITE_URL is {settings.SITE_URL or 'not set'}: e-mail links would not "
            "reach the site.",
            hint="Set DJANGO_SITE_URL to the public address, e.g. https://study.example.org.",
            id="studygroup.E001",
        )
    ]


LOCAL = {"127.0.0.1", "localhost", "::1"}
