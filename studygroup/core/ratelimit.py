"""Rate limits: fixed windows counted in the shared cache, the one rule for who the client
is, and the 429 page that goes with them.

Limits are named in settings.RATE_LIMITS as (attempts, seconds). A view asks
``limited(request, name, key)`` before doing the work (``key`` defaults to the client's
address); ``hit`` counts an attempt, ``over`` looks without counting. The log-in form
counts every try against its account and its address before the password is checked, and
takes it back (``unhit``) when the password was right: guesses sent all at once cannot
slip in under the limit, and only failures stay counted.

The counts live in the default cache, which settings make one for every process and
server: Redis (DJANGO_REDIS_URL), or else a table in the database, whose incr()
studygroup/core/cache.py makes atomic.

Ours rather than a library; both candidates were installed on Django 6.1 and their own
tests run:

- django-ratelimit 4.1.0 (July 2023, tested up to Django 4.2; its tests pass on 6.1)
  counts the way we do, add and then incr, but its system check refuses Django's database
  cache as an error (django_ratelimit.E003) and warns that Django's own Redis cache is
  unsupported (W001), and like any user of DatabaseCache.incr() it would lose counts to
  races and shorten every window to five minutes of quiet. Its decorator and key syntax
  are what we would gain; our views do not need them.
- django-axes 8.3.1 (February 2026; its tests pass on 6.1) throttles log-ins only, so the
  other limits would need a second mechanism. It has one failure limit for every lockout
  parameter, so an address would be locked after as few failures as an account: the same
  few wrong passwords would lock out a classroom behind one address. It checks the lock
  before the password and counts after, so guesses sent at once all get checked; its
  default handler keeps every attempt, with the address, in tables of its own; and its
  lockout response replaces the page, where the join page shows its forms with the reason.
"""

import contextlib
import hashlib
import ipaddress
import time

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

# Log-in throttling guards accounts: DJANGO_RATE_LIMITS=0 (load tests) leaves it on.
ALWAYS_ON = frozenset({"login_account", "login_address"})


def client_address(request: HttpRequest) -> str:
    """Who the limits count against: the address that connected to us, or, behind
    settings.PROXY_HOPS proxies of ours, the address the outermost of them saw.

    Each proxy appends the address it was connected from to X-Forwarded-For, so only the
    last PROXY_HOPS entries are ours; anything left of them came from the client, which can
    write what it likes there. An IPv6 client counts by its /64, the block one host is
    usually given whole.
    """
    address: str = request.META.get("REMOTE_ADDR", "")
    if hops := settings.PROXY_HOPS:
        forwarded = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        address = forwarded[-min(hops, len(forwarded))] or address
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address  # a Unix socket's empty address, or a proxy's "unknown"
    if ip.version == 6:
        if ip.ipv4_mapped:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def _enabled(name: str) -> bool:
    return settings.RATE_LIMITS_ENABLED or name in ALWAYS_ON


def _key(name: str, key: str) -> tuple[str, int, int]:
    count, seconds = settings.RATE_LIMITS[name]
    # Hashed: a user name typed at the log-in form may hold anything, at any length.
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]
    return f"rl:{name}:{digest}:{int(time.time() // seconds)}", count, seconds


def _wait(seconds: int) -> int:
    """Seconds until the current window of ``seconds`` ends."""
    return seconds - int(time.time()) % seconds


def over(name: str, key: str) -> bool:
    """Whether the limit is used up, without counting this look."""
    if not _enabled(name):
        return False
    cache_key, count, _ = _key(name, key)
    return (cache.get(cache_key) or 0) >= count


def hit(name: str, key: str) -> int | None:
    """Count one attempt; the seconds to wait if the limit is passed, else None."""
    if not _enabled(name):
        return None
    cache_key, count, seconds = _key(name, key)
    try:
        used = cache.incr(cache_key)
    except ValueError:  # the window's first attempt
        # The entry outlives its window, so it never expires while it is counted in.
        used = 1 if cache.add(cache_key, 1, seconds + 1) else cache.incr(cache_key)
    return _wait(seconds) if used > count else None


def unhit(name: str, key: str) -> None:
    """Take back an attempt that ``hit`` counted (a log-in whose password was right)."""
    if not _enabled(name):
        return
    with contextlib.suppress(ValueError):  # the window has turned since: nothing to take back
        cache.decr(_key(name, key)[0])


def attempt(*limits: tuple[str, str]) -> int | None:
    """Count one attempt against each (name, key); if any of them is used up, take it back
    from the others, so that a refused try costs nothing, and return the seconds to wait."""
    waits = [(limit, hit(*limit)) for limit in limits]
    refused = [wait for _, wait in waits if wait is not None]
    if not refused:
        return None
    for limit, wait in waits:
        if wait is None:
            unhit(*limit)
    return max(refused)


def clear(name: str, key: str) -> None:
    """Forget the current window's count (an account whose password was just reset)."""
    cache.delete(_key(name, key)[0])


def limited(request: HttpRequest, name: str, key: str = "") -> HttpResponse | None:
    """A 429 response if this request passes the limit ``name`` (keyed by ``key`` or the
    client's address), else None."""
    wait = hit(name, key or client_address(request))
    return None if wait is None else too_many(request, wait)


def too_many(request: HttpRequest, wait: int) -> HttpResponse:
    response = render(request, "429.html", {"wait_minutes": minutes(wait)}, status=429)
    response["Retry-After"] = str(wait)
    return response


def minutes(seconds: int) -> int:
    """Whole minutes to tell someone waiting ``seconds``, never fewer than one."""
    return max(1, -(-seconds // 60))
