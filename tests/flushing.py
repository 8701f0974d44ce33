"""How the test database is emptied after a transactional test (live server, races).

Django's flush empties every table and then remakes the content types and permissions, and
the next test imports the shipped text again. Here the flush leaves alone what is the same
for every test: the content types and permissions (post_migrate's), and the shipped text
with its history, as long as nothing has written to those tables since the text was
imported. Every statement any connection of this process runs (the test's, the live
server's threads') is watched for that; a write that a test's rollback undid does not
count. On PostgreSQL the tables are emptied by DELETE rather than TRUNCATE, which makes new
files for every table and index: 0.06 against 0.35 s a test. Foreign keys are checked at the
commit, so the order of the DELETEs does not matter; SQLite's flush deletes already.
"""

from django.apps import apps
from django.db import connection
from django.db.backends.signals import connection_created

from content.importer import text_import
from content.models import StudyText
from tests.support import SHIPPED_SLUG, SHIPPED_TEXT, SHIPPED_TITLE

ALWAYS_KEPT = frozenset({"django_content_type", "auth_permission"})
READS = ("SELECT", "SAVEPOINT", "RELEASE", "ROLLBACK", "BEGIN", "COMMIT", "SET", "EXPLAIN")


class ShippedText:
    """Whether the shipped text's tables hold just what its import wrote."""

    def __init__(self) -> None:
        self.tables = frozenset(
            model._meta.db_table
            for label in ("content", "reversion")
            for model in apps.get_app_config(label).get_models(include_auto_created=True)
        )
        self.as_imported = False

    def watch(self, execute, sql, params, many, context):
        if (
            self.as_imported
            and not sql.lstrip()[:9].upper().startswith(READS)
            and any(table in sql for table in self.tables)  # or a longer name: as written
        ):
            self.as_imported = False
        return execute(sql, params, many, context)


shipped = ShippedText()


def import_shipped_text() -> StudyText:
    text = text_import(slug=SHIPPED_SLUG, data=SHIPPED_TEXT.read_bytes(), title=SHIPPED_TITLE).text
    shipped.as_imported = True
    return text


def install() -> None:
    """Watch every connection, and flush as above. Once, before the test database is made."""

    def watched(connection, **kwargs):  # every connection made from now on
        if shipped.watch not in connection.execute_wrappers:
            connection.execute_wrappers.append(shipped.watch)

    connection_created.connect(watched, weak=False)
    if connection.connection is not None:
        watched(connection)
    # On the class: a connection is per thread and per context, and Playwright's journeys
    # run in contexts of their own, each with a wrapper (and operations) of its own.
    operations = type(connection.ops)
    flush = operations.sql_flush

    def sql_flush(self, style, tables, *, reset_sequences=False, allow_cascade=False):
        if reset_sequences or allow_cascade:  # Django's own flush, every table
            shipped.as_imported = False
            return flush(
                self, style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade
            )
        kept = ALWAYS_KEPT | (shipped.tables if shipped.as_imported else frozenset())
        tables = [table for table in tables if table not in kept]
        if self.connection.vendor != "postgresql":
            return flush(self, style, tables)
        return [f"DELETE FROM {self.quote_name(table)};" for table in tables]

    operations.sql_flush = sql_flush  # type: ignore[method-assign]
