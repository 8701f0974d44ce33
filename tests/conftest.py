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
