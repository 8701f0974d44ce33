"""The shared cache without Redis: Django's database cache, made fit for counting.

Rate limits and the log-in throttle count in the cache, and every app process must see
the same counts. Django's DatabaseCache is shared, but its incr() is BaseCache's: a get,
then a set. Two processes counting at once both read n and both write n + 1 (four
processes adding 200 each to one SQLite file reached 776, not 800), and the set starts the
entry's expiry again at the default five minutes, so an hour's limit forgets after five
quiet minutes. Its add() on SQLite fails, rather than waits, when another process is
writing.

Here both take the write lock first: a write statement locks the row on PostgreSQL and the
whole file on SQLite, so a second process waits (SQLite's busy timeout, PostgreSQL's lock)
and then reads what the first one wrote. incr() rewrites only the value, never the expiry.
"""

import base64
import pickle
from typing import Any

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.db import DatabaseCache as DjangoDatabaseCache
from django.db import connections, router, transaction
from django.utils.timezone import now


class DatabaseCache(DjangoDatabaseCache):
    def __init__(self, table: str, params: dict[str, Any]) -> None:
        super().__init__(table, params)
        self._table = table  # Django's sets it too; said here for the type checker

    def add(
        self,
        key: str,
        value: Any,
        timeout: float | None = DEFAULT_TIMEOUT,
        version: int | None = None,
    ) -> bool:
        alias = router.db_for_write(self.cache_model_class)
        with transaction.atomic(using=alias):
            self._lock(alias, self.make_and_validate_key(key, version=version), live=False)
            return bool(super().add(key, value, timeout, version))

    def incr(self, key: str, delta: int = 1, version: int | None = None) -> int:
        cache_key = self.make_and_validate_key(key, version=version)
        alias = router.db_for_write(self.cache_model_class)
        connection = connections[alias]
        quote = connection.ops.quote_name
        table, value_column, key_column = (
            quote(self._table),
            quote("value"),
            quote("cache_key"),
        )
        with transaction.atomic(using=alias), connection.cursor() as cursor:
            if not self._lock(alias, cache_key, live=True):
                raise ValueError(f"Key '{key}' not found")
            cursor.execute(
                f"SELECT {value_column} FROM {table} WHERE {key_column} = %s", [cache_key]
            )
            stored = connection.ops.process_clob(cursor.fetchone()[0])
            number: int = pickle.loads(base64.b64decode(stored.encode(), validate=True)) + delta
            pickled = base64.b64encode(pickle.dumps(number, self.pickle_protocol)).decode("latin1")
            cursor.execute(
                f"UPDATE {table} SET {value_column} = %s WHERE {key_column} = %s",
                [pickled, cache_key],
            )
        return number

    def _lock(self, alias: str, cache_key: str, *, live: bool) -> bool:
        """Write to the entry, a no-op, to hold its lock until the transaction ends; whether
        a live entry (``live``) or an expired one (otherwise) was there to write to."""
        connection = connections[alias]
        quote = connection.ops.quote_name
        expires = quote("expires")
        moment = connection.ops.adapt_datetimefield_value(
            now().replace(microsecond=0, tzinfo=None)  # as DatabaseCache.has_key compares
        )
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {quote(self._table)} SET {expires} = {expires} "
                f"WHERE {quote('cache_key')} = %s AND {expires} {'>' if live else '<='} %s",
                [cache_key, moment],
            )
            return bool(cursor.rowcount == 1)
