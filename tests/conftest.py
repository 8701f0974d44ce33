"""The standing cast and what they stand in, for every test.

Group A is the facilitator's (with the member in it, and approval needed to join, so a
join request can wait in it); group B is the outsider's own, so the outsider has real
objects too. The shipped text is imported once a test session (per xdist worker) and every
test reuses it inside its transaction; a transactional test (live server, races) finds it
still there unless the one before wrote to it (tests/flushing.py), and imports it again.
"""

import gc
import itertools
import secrets
from types import SimpleNamespace

import pytest
from django.db import transaction
from django.template.base import PartialTemplate, Template

from content.importer import text_import
from content.models import Question, StudyText
from studygroup.groups import services as group_services
from studygroup.groups.models import JoinRequest, Meeting, Membership, StudyGroup
from tests import flushing
from tests.support import (
    SHIPPED_SLUG,
    SHIPPED_TEXT,
    answer,
    chapter,
    comment,
    forget_kept,
    make_user,
    plan_meeting,
)


def pytest_collection_finish(session):
    """What is there once the tests are collected (Django, the apps, every test module) lives
    as long as the run: frozen out of the collector's reach, so its full collections stop
    walking it again and again (tests/discussion and tests/groups on two workers: 28.6
    against 31.6 CPU-s; the suite without the journeys, interleaved: 0.94-0.97 the time)."""
    gc.collect()
    gc.freeze()


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings):
    """The test database is made from the models, not by replaying every migration: that
    was most of each worker's set-up (1.7 s of 1.8 on SQLite, 2.1 of 2.6 on PostgreSQL).
    `make migrations-check` proves the migrations match the models, and
    tests/groups/test_question_migration.py runs them back and forth on this database."""
    from django.conf import settings

    database = settings.DATABASES["default"]
    database.setdefault("TEST", {})["MIGRATE"] = False
    if database["ENGINE"] == "django.db.backends.postgresql":
        # A test database is thrown away: its commits (the journeys' every write through the
        # live server) need not wait for the disk.
        options = database.setdefault("OPTIONS", {})
        options["options"] = (options.get("options", "") + " -c synchronous_commit=off").strip()


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """The test database, with the shipped text in it once for the whole session; a
    transactional test's flush keeps it while it is as imported (tests/flushing.py)."""
    flushing.install()
    with django_db_blocker.unblock():
        flushing.import_shipped_text()


@pytest.fixture(autouse=True)
def _rollback_undoes_writes_to_the_text(request):
    """A test inside a transaction (most) leaves the shipped text as it found it, whatever
    it wrote there: the rollback undid it. Only a transactional test's writes stay."""
    transactional = any(  # as pytest-django decides it
        name in request.fixturenames
        for name in ("transactional_db", "live_server", "django_db_reset_sequences")
    ) or any(
        marker.kwargs.get("transaction") or marker.kwargs.get("reset_sequences")
        for marker in request.node.iter_markers("django_db")
    )
    before = flushing.shipped.as_imported
    yield
    if not transactional:
        flushing.shipped.as_imported = before


@pytest.fixture(scope="module")
def module_transaction(django_db_setup, django_db_blocker):
    """One transaction around a whole module: what a module-scoped fixture builds inside it
    is shared by the module's tests (each runs in a savepoint of its own, as every test
    does) and rolled back when the module is done. The suite's setUpTestData."""
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
    yield
    with django_db_blocker.unblock():
        transaction.set_rollback(True)
        atomic.__exit__(None, None, None)


@pytest.fixture(scope="session", autouse=True)
def _fast_passwords():
    """Cheap hashing for the whole session, module-scoped fixtures' users included (a real
    hasher's work factor is most of a sign-up's time)."""
    from django.conf import settings
    from django.contrib.auth.hashers import get_hashers, get_hashers_by_algorithm

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    get_hashers.cache_clear()
    get_hashers_by_algorithm.cache_clear()


@pytest.fixture(scope="session", autouse=True)
def _templates_render_as_in_production(django_test_environment):
    """Django's test set-up wraps every template render (each partial and include too) to
    send a signal that copies its context for ``response.context``; no test reads that,
    and it was a tenth of a page's time. Pages render here as they do in production."""
    Template._render = _RENDER  # type: ignore[method-assign]
    PartialTemplate._render = _PARTIAL_RENDER  # type: ignore[method-assign]


# As Django has them, before the test environment (a session fixture) wraps them.
_RENDER, _PARTIAL_RENDER = Template._render, PartialTemplate._render


@pytest.fixture(scope="session", autouse=True)
def _tasks_run_at_once():
    """Tasks (mail) run as they are enqueued, so a test sees their effect at once; the test
    of the worker itself (tests/discussion/test_notifications.py) queues them for real."""
    from django.conf import settings
    from django.test.signals import setting_changed

    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    setting_changed.send(sender=None, setting="TASKS", value=settings.TASKS, enter=True)


@pytest.fixture(autouse=True)
def _own_cache_space(settings):
    """Rate limits and log-in failures count in the cache, a table of the test database
    (or Redis, with DJANGO_REDIS_URL): each test counts under a prefix of its own, so no
    test inherits another's counts, even from tests that commit, and nothing shared is
    wiped. What this process kept for every reader (content/revisions.py) is forgotten."""
    settings.CACHES = {
        name: {**config, "KEY_PREFIX": f"test-{_RUN}-{next(_test_numbers)}"}
        for name, config in settings.CACHES.items()
    }
    forget_kept()  # and nothing another test's pages kept in this process (the shelves)


_RUN = secrets.token_hex(4)  # Redis outlives a run of the suite
_test_numbers = itertools.count()


@pytest.fixture(autouse=True)
def _rate_limits_off(settings):
    """Rate limits would trip on a test that posts a lot; tests/test_ratelimits.py turns
    them on to check them."""
    settings.RATE_LIMITS_ENABLED = False


@pytest.fixture
def seed_bytes() -> bytes:
    return SHIPPED_TEXT.read_bytes()


@pytest.fixture
def shipped_text(db) -> StudyText:
    """The study text that ships with the project, as imported for the session."""
    return StudyText.objects.filter(slug=SHIPPED_SLUG).first() or flushing.import_shipped_text()


@pytest.fixture
def no_texts(db) -> None:
    """A database without the session's text, for tests of importing from nothing."""
    StudyText.objects.all().delete()


# People --------------------------------------------------------------------------------


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


@pytest.fixture
def requester(db):
    return make_user("rita", "Rita Requester")


@pytest.fixture
def mia(db):
    return make_user("mia", "Mia Member")


# Groups --------------------------------------------------------------------------------


@pytest.fixture
def group(facilitator, shipped_text) -> StudyGroup:
    """Group A: approval needed to join, so a join request can wait in it."""
    return group_services.group_create(
        user=facilitator,
        text=shipped_text,
        name="Tuesday Readers",
        meeting_place="Room 2, Central Library",
        time_zone="Europe/London",
        join_policy=StudyGroup.JoinPolicy.APPROVAL,
    )


@pytest.fixture
def membership(group, member) -> Membership:
    """The member's place in group A."""
    return Membership.objects.create(group=group, user=member)


@pytest.fixture
def mia_membership(group, mia) -> Membership:
    return Membership.objects.create(group=group, user=mia)


@pytest.fixture
def fay_membership(group, facilitator) -> Membership:
    return Membership.objects.get(group=group, user=facilitator)


@pytest.fixture
def group_b(outsider, shipped_text) -> StudyGroup:
    """The outsider's own group, so the outsider has real objects too."""
    group = group_services.group_create(user=outsider, text=shipped_text, name="Group B")
    plan_meeting(group, days=3, chapters=[20])
    return group


@pytest.fixture
def join_request(group, requester) -> JoinRequest:
    request = group_services.group_join(user=requester, code=group.invite_code)
    assert isinstance(request, JoinRequest)
    return request


@pytest.fixture
def meeting(group) -> Meeting:
    """Group A's next meeting: chapters 15-16, two readings, two questions."""
    return plan_meeting(group)


@pytest.fixture
def cast(group, membership, group_b, join_request, meeting, member, facilitator, outsider, admin):
    """Everything the permission table builds its URLs from."""
    return SimpleNamespace(
        group=group,
        membership=membership,
        group_b=group_b,
        join_request=join_request,
        meeting=meeting,
        chapter=chapter(group, 15),
        reading=meeting.readings.first(),
        users={"member": member, "facilitator": facilitator, "outsider": outsider, "admin": admin},
    )


# Discussion ----------------------------------------------------------------------------


@pytest.fixture
def questions(group) -> list[Question]:
    return list(Question.objects.of_text(group.text))


@pytest.fixture
def question(questions) -> Question:
    return questions[0]


@pytest.fixture
def answer_first(group) -> StudyGroup:
    group.answer_first = True
    group.save(update_fields=["answer_first"])
    return group


@pytest.fixture
def elsewhere(group_b, outsider, question):
    """What lives outside group A: group B's answer, comment and own question, and another
    text's question."""
    b = Membership.objects.get(group=group_b, user=outsider)
    b_answer = answer(b, question, "Group B's answer.")
    other_text = text_import(
        slug="other", data=b"1. One\nA paragraph.\nQuestions for Discussion\n- Why?\n"
    ).text
    return SimpleNamespace(
        answer=b_answer,
        comment=comment(b, b_answer, "Group B's comment."),
        group_question=group_services.group_question_add(group=group_b, body="Only for group B?"),
        other_text_question=Question.objects.get(text=other_text),
    )
