import itertools
import secrets
from pathlib import Path

import pytest

from content.importer import text_import

ROOT = Path(__file__).resolve().parent.parent
SHIPPED_TEXT = ROOT / "content" / "texts" / "russian-revolution-part-2.txt"
SHIPPED_SLUG = "russian-revolution-part-2"


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def seed_bytes() -> bytes:
    return SHIPPED_TEXT.read_bytes()


@pytest.fixture
def shipped_text(db, seed_bytes):
    """The study text that ships with the project, imported."""
    return text_import(slug=SHIPPED_SLUG, data=seed_bytes, title="Russian Revolution, part 2").text


# The standing cast: everyone has a display name, an e-mail address and the same password.
PASSWORD = "a-long-study-passphrase"


def make_user(username: str, display_name: str, **extra):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.create_user(
        username=username,
        email=f"{username}@example.org",
        password=PASSWORD,
        display_name=display_name,
        **extra,
    )


@pytest.fixture(autouse=True)
def _own_cache_space(settings):
    """Rate limits and log-in failures count in the cache, a table of the test database
    (or Redis, with DJANGO_REDIS_URL): each test counts under a prefix of its own, so no
    test inherits another's counts, even from tests that commit, and nothing is wiped."""
    settings.CACHES = {
        name: {**config, "KEY_PREFIX": f"test-{_RUN}-{next(_test_numbers)}"}
        for name, config in settings.CACHES.items()
    }


_RUN = secrets.token_hex(4)  # Redis outlives a run of the suite
_test_numbers = itertools.count()


@pytest.fixture
def facilitator(db):
    return make_user("fay", "Fay Facilitator")


@pytest.fixture
def member(db):
    return make_user("max", "Max Member")


@pytest.fixture
def outsider(db):
    return make_user("otto", "Otto Outsider")


@pytest.fixture
def admin(db):
    """Django staff: edits content in the admin, but is in no group."""
    return make_user("ada", "Ada Admin", is_staff=True, is_superuser=True)


@pytest.fixture(autouse=True)
def _rate_limits_off(settings):
    """Rate limits would trip on a test that posts a lot; tests/test_ratelimits.py turns
    them on to check them."""
    settings.RATE_LIMITS_ENABLED = False
