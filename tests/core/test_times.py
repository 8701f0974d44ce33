"""A post's time as a reader reads it: in words until a week has passed, then the date
(the page and the hover: tests/discussion/test_question_page.py)."""

from datetime import UTC, datetime, timedelta

import pytest

from studygroup.core.times import Moment


@pytest.mark.parametrize(
    ("before", "said"),
    [
        (timedelta(seconds=59), "just now"),
        (timedelta(minutes=1), "1 minute ago"),
        (timedelta(minutes=59, seconds=59), "59 minutes ago"),
        (timedelta(hours=2), "2 hours ago"),
        (timedelta(days=1), "1 day ago"),
        (timedelta(days=6, hours=23), "6 days ago"),
        (timedelta(days=7), "24 Dec 2026"),
    ],
)
def test_how_long_ago_in_words(before, said):
    now = datetime(2026, 12, 31, 12, 0, tzinfo=UTC)
    assert Moment.of(now - before, now).ago == said
