"""A URL reversed once a process: the same name and arguments always give the same path.

Django's ``reverse()`` matches the name against the URL patterns anew on every call (20-27
µs here); a question page reverses about fifty, a third of them in the base template's
navigation. Kept by everything its answer depends on: the name, the arguments, the current
app, the URL configuration (a request's own, or ``ROOT_URLCONF``) and the script prefix. A
process holds at most ``SIZE`` paths, the least recently used going first.
"""

import functools
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.urls import get_script_prefix, get_urlconf
from django.urls import reverse as django_reverse

SIZE = 16_384


@functools.lru_cache(maxsize=SIZE)
def _reversed(
    viewname: str,
    args: tuple[Any, ...],
    kwargs: tuple[tuple[str, Any], ...],
    current_app: str | None,
    urlconf: str | None,
    prefix: str,
    root: str,
) -> str:
    return django_reverse(
        viewname, urlconf=urlconf, args=args, kwargs=dict(kwargs), current_app=current_app
    )


def reverse(
    viewname: str,
    args: Sequence[Any] = (),
    kwargs: dict[str, Any] | None = None,
    current_app: str | None = None,
) -> str:
    """``django.urls.reverse`` for a name and plain arguments (no query or fragment)."""
    try:
        return _reversed(
            viewname,
            tuple(args),
            tuple(sorted(kwargs.items())) if kwargs else (),
            current_app,
            get_urlconf(),
            get_script_prefix(),
            settings.ROOT_URLCONF,
        )
    except TypeError:  # an argument that cannot be a key (unhashable): reversed each time
        return django_reverse(viewname, args=args, kwargs=kwargs, current_app=current_app)
