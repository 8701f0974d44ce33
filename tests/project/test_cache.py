"""studygroup/core/cache.py: Django's database cache, with an incr() fit for counting."""

import pytest
from django.core.cache import caches
from django.db import connection

from studygroup.core.cache import DatabaseCache

pytestmark = pytest.mark.django_db


@pytest.fixture
def cache(settings):
    if "redis" in settings.CACHES["default"]["BACKEND"].lower():
        pytest.skip("DJANGO_REDIS_URL is set: the cache is Redis")
    cache = caches["default"]
    assert isinstance(cache, DatabaseCache)
    return cache


def expiry(cache, key: str):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT expires FROM studygroup_cache WHERE cache_key = %s",
            [cache.make_and_validate_key(key)],
        )
        return cursor.fetchone()[0]


def test_incr_counts_and_keeps_the_expiry(cache):
    # Django's own incr() sets the entry again, with the default five-minute timeout.
    assert cache.add("count", 1, 3600)
    expires = expiry(cache, "count")
    assert cache.incr("count") == 2
    assert cache.incr("count", 5) == 7
    assert cache.decr("count") == 6
    assert cache.get("count") == 6
    assert expiry(cache, "count") == expires


def test_incr_of_a_missing_or_expired_entry_is_refused(cache):
    with pytest.raises(ValueError):
        cache.incr("never-added")
    cache.add("old", 1, 3600)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE studygroup_cache SET expires = %s WHERE cache_key = %s",
            ["2000-01-01 00:00:00", cache.make_and_validate_key("old")],
        )
    with pytest.raises(ValueError):
        cache.incr("old")
    # add() takes the place of an expired entry, and refuses a live one.
    assert cache.add("old", 5, 3600)
    assert not cache.add("old", 9, 3600)
    assert cache.get("old") == 5
