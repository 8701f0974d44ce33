"""Fixed-window rate limits in the shared cache, and the 429 page that goes with them.

Limits are named in settings.RATE_LIMITS as (count, seconds); a view asks ``limited(request,
name, key)`` before doing the work. With Redis configured (DJANGO_REDIS_URL) the counts hold
across app servers; without it each process counts for itself.
"""

import time

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def client_address(request: HttpRequest) -> str:
    # Behind a TLS proxy the client is the first X-Forwarded-For hop the proxy added.
    if getattr(settings, "SECURE_PROXY_SSL_HEADER", None):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[-1].strip()
    return request.META.get("REMOTE_ADDR", "")


def _key(name: str, key: str) -> tuple[str, int, int]:
    count, seconds = settings.RATE_LIMITS[name]
    return f"rl:{name}:{key}:{int(time.time() // seconds)}", count, seconds


def over(name: str, key: str) -> bool:
    """Whether the limit is used up, without counting this look."""
    if not settings.RATE_LIMITS_ENABLED:
        return False
    cache_key, count, _ = _key(name, key)
    return (cache.get(cache_key) or 0) >= count


def hit(name: str, key: str) -> int | None:
    """Count one attempt; the seconds to wait if the limit is passed, else None."""
    if not settings.RATE_LIMITS_ENABLED:
        return None
    cache_key, count, seconds = _key(name, key)
    cache.add(cache_key, 0, seconds + 1)
    try:
        used = cache.incr(cache_key)
    except ValueError:  # expired between add and incr
        cache.set(cache_key, 1, seconds + 1)
        used = 1
    if used > count:
        return seconds - int(time.time()) % seconds
    return None


def limited(request: HttpRequest, name: str, key: str = "") -> HttpResponse | None:
    """A 429 response if this request passes the limit ``name`` (keyed by ``key`` or the
    client's address), else None."""
    wait = hit(name, key or client_address(request))
    return None if wait is None else too_many(request, wait)


def too_many(request: HttpRequest, wait: int) -> HttpResponse:
    response = render(request, "429.html", {"wait_minutes": max(1, round(wait / 60))}, status=429)
    response["Retry-After"] = str(wait)
    return response
