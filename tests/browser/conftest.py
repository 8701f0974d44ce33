"""Headless Chromium (Debian's package) driven by Playwright against pytest-django's live server."""

import json
import os
import re
import shutil
import threading

import pytest

from studygroup.groups import services
from studygroup.groups.models import Membership
from tests.support import user

# Debian's headless shell (package chromium-headless-shell: the same Blink and V8, without the
# desktop browser around them; what Playwright itself runs headless) costs half the CPU of the
# full browser a journey, which is most of the browser tests' time; the full browser
# (CHROMIUM=/usr/bin/chromium) when the shell is not installed, and in CI's last round.
HEADLESS_SHELL = "/usr/bin/chromium-headless-shell"
CHROMIUM = os.environ.get("CHROMIUM") or (
    HEADLESS_SHELL if shutil.which(HEADLESS_SHELL) else "/usr/bin/chromium"
)
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    # One renderer for every context and the compositor in the browser process: the
    # contexts are one site's, kept apart by their storage, not their processes. A sixth
    # less of Chromium's CPU a journey (test_discussion.py: 7.2 against 8.6 CPU-s).
    "--in-process-gpu",
    "--renderer-process-limit=1",
]

# Playwright's sync API runs an event loop in this thread; the ORM calls the tests make
# between page actions are still plain synchronous code.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser():
    if not shutil.which(CHROMIUM):
        message = f"{CHROMIUM} is missing: apt-get install chromium-headless-shell"
        if os.environ.get("CI"):
            pytest.fail(message)  # CI must run the browser tests, never skip them
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield browser
        browser.close()


_PASSED = pytest.StashKey[bool]()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call":
        item.stash[_PASSED] = report.passed
    return report


@pytest.fixture(scope="session")
def _static_files_cached():
    """The live server's static files with a lifetime, as production's are (whitenoise:
    hashed names, cached for ever): served without one, every page load asked again for
    the style sheet and both scripts, three requests a page that Chromium and the server
    spent a tenth of the journeys' CPU on (tests/browser serially: 27-29 against 31 CPU-s
    of Chromium's)."""
    from django.contrib.staticfiles.handlers import StaticFilesHandler
    from django.utils.cache import patch_cache_control

    serve = StaticFilesHandler.serve

    def cached(self, request):
        response = serve(self, request)
        patch_cache_control(response, max_age=3600)
        return response

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(StaticFilesHandler, "serve", cached)
        yield


@pytest.fixture(scope="session")
def _kept_pages(browser, live_server, django_db_setup, _static_files_cached):
    """Browser contexts kept for the session, each with its page, by the options they were
    made with: a new context costs Chromium a renderer process (about a second of CPU here,
    most of a short journey's), an emptied one next to nothing. Set up after the test
    database and the live server, so it is put away before them: the live server's threads
    for its kept-alive connections hold database connections until it is."""
    kept: dict[str, list] = {}
    yield kept
    for pages in kept.values():
        for context, _ in pages:
            context.close()
    # Closing them ends their kept-alive connections: let the live server's threads for
    # those finish while it still shares the test database with them (it stops after this).
    for thread in threading.enumerate():
        if thread.name.endswith("(process_request_thread)"):
            thread.join(timeout=2)


def _emptied(context, page, options: dict, origin: str) -> bool:
    """Give the context back as a new one would be: no cookies (so no session), no storage,
    no permissions, a blank page at the size it was made with. False if it will not go."""
    try:
        if page.url.startswith(origin) and options.get("java_script_enabled", True):
            page.evaluate("() => { localStorage.clear(); sessionStorage.clear(); }")
        page.goto("about:blank")
        context.clear_cookies()
        context.clear_permissions()
        page.set_viewport_size(options["viewport"])
    except Exception:
        return False
    return True


@pytest.fixture
def new_page(request, browser, _kept_pages, live_server):
    """Pages as fresh browser contexts would give them, one per person (or without
    JavaScript, or a phone): emptied contexts kept from earlier journeys, or new ones.

    Any console error (a CSP violation, a script error) fails the test, but for those a
    journey says it causes on purpose (``new_page.allow(pattern)``: an error status the
    server answers, which the browser logs).
    """
    taken, errors, allowed = [], [], []

    def on_console(message):
        if message.type == "error":
            errors.append(message.text)

    def on_error(error):
        errors.append(str(error))

    def make(**options):
        options.setdefault("viewport", {"width": 1280, "height": 900})
        options.setdefault("java_script_enabled", True)  # one key for the same options
        key = json.dumps(options, sort_keys=True)
        kept = _kept_pages.setdefault(key, [])
        context, page = kept.pop() if kept else (None, None)
        if context is None:
            context = browser.new_context(**options)
            page = context.new_page()
        taken.append((key, options, context, page))
        page.on("console", on_console)
        page.on("pageerror", on_error)
        return page

    make.allow = allowed.append  # type: ignore[attr-defined]
    yield make
    passed = request.node.stash.get(_PASSED, False)
    for key, options, context, page in taken:
        page.remove_listener("console", on_console)
        page.remove_listener("pageerror", on_error)
        # A journey that failed may have left a dialog or a handler behind: not kept.
        if passed and _emptied(context, page, options, live_server.url):
            _kept_pages[key].append((context, page))
        else:
            context.close()
    errors = [e for e in errors if not any(re.search(pattern, e) for pattern in allowed)]
    assert not errors, f"the browser reported errors: {errors}"


@pytest.fixture
def page(new_page):
    return new_page()


@pytest.fixture
def phone_page(new_page):
    return new_page(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)


# The cast of the journeys: Fran facilitates "Tuesday Readers", Mo is in it. A journey file
# that needs the group otherwise (answer-first, open to join) overrides ``group``.


@pytest.fixture
def facilitator(django_user_model):
    return user(django_user_model, "fran", "Fran Facilitator")


@pytest.fixture
def group(facilitator, shipped_text):
    return services.group_create(user=facilitator, text=shipped_text, name="Tuesday Readers")


@pytest.fixture
def member(django_user_model, group):
    person = user(django_user_model, "mo", "Mo Member")
    Membership.objects.create(group=group, user=person)
    return person
