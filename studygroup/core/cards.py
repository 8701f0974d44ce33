"""What view-models (the cards templates read) share.

Django's template engine resolves ``{{ card.name }}`` by trying ``card["name"]`` first and
falling back to the attribute when that raises; on a dataclass it always raises, and the
exception is most of the lookup's cost. A card that answers ``[]`` with its attributes
renders a long thread in half the time (bench/ and docs/benchmarks.md).
"""

from django.utils.html import escape
from django.utils.safestring import SafeString


class Card:
    __slots__ = ()

    def __getitem__(self, name: str) -> object:
        return getattr(self, name)


class Escaped(dict[str, SafeString]):
    """Text escaped once a page however often it is shown: a thread's authors repeat."""

    def __missing__(self, text: str) -> SafeString:
        self[text] = value = escape(text)
        return value
