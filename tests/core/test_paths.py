"""studygroup.core.paths: a URL reversed once a process is the URL Django reverses, and the
{% url %} tag built on it renders what Django's does, everywhere."""

import sys
import types

import pytest
from django.template import Context, Template
from django.test import override_settings
from django.urls import NoReverseMatch, include, path, set_script_prefix
from django.urls import reverse as django_reverse

from studygroup.core import paths


@pytest.mark.parametrize(
    ("name", "args", "kwargs"),
    [
        ("discussion:question", ("tuesday-readers", 12), None),
        ("discussion:comment_edit", ("tuesday-readers", 7), None),
        ("discussion:question", (), {"slug": "tuesday-readers", "question_id": 3}),
        ("healthz", (), None),
    ],
)
def test_the_same_path_as_django_s_every_time(name, args, kwargs):
    first = paths.reverse(name, args=args, kwargs=kwargs)
    assert first == django_reverse(name, args=args, kwargs=kwargs)
    assert paths.reverse(name, args=args, kwargs=kwargs) == first


def test_other_arguments_other_paths():
    assert paths.reverse("discussion:question", args=("a", 1)) == "/groups/a/questions/1/"
    assert paths.reverse("discussion:question", args=("b", 2)) == "/groups/b/questions/2/"


def test_a_name_that_matches_nothing_still_raises():
    with pytest.raises(NoReverseMatch):
        paths.reverse("discussion:question", args=("not a slug!", 1))


def test_a_script_prefix_is_part_of_the_key():
    plain = paths.reverse("healthz")
    set_script_prefix("/studygroup/")
    try:
        assert paths.reverse("healthz") == "/studygroup/healthz"
    finally:
        set_script_prefix("/")
    assert paths.reverse("healthz") == plain == "/healthz"


def test_another_url_configuration_is_part_of_the_key():
    other = types.ModuleType("other_urls")
    other.urlpatterns = [path("elsewhere/", include("studygroup.discussion.urls"))]  # type: ignore[attr-defined]
    sys.modules["other_urls"] = other
    try:
        with override_settings(ROOT_URLCONF="other_urls"):
            moved = paths.reverse("discussion:question", args=("a", 1))
    finally:
        del sys.modules["other_urls"]
    assert moved == "/elsewhere/groups/a/questions/1/"
    assert paths.reverse("discussion:question", args=("a", 1)) == "/groups/a/questions/1/"


def test_an_argument_that_cannot_be_a_key_is_reversed_each_time():
    class Slug(str):
        __hash__ = None  # type: ignore[assignment]

    assert paths.reverse("discussion:question", args=[Slug("a"), 1]) == "/groups/a/questions/1/"


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("{% url 'discussion:question' slug 4 %}", "/groups/tuesday-readers/questions/4/"),
        (
            "{% url 'discussion:question' slug=slug question_id=4 %}",
            "/groups/tuesday-readers/questions/4/",
        ),
        ("{% url 'discussion:question' 'x' 1 as there %}[{{ there }}]", "[/groups/x/questions/1/]"),
        ("{% url 'nowhere' as there %}[{{ there }}]", "[]"),
        ("{% autoescape off %}{% url 'healthz' %}{% endautoescape %}", "/healthz"),
    ],
)
def test_the_url_tag_renders_what_django_s_renders(source, expected):
    rendered = Template(source).render(Context({"slug": "tuesday-readers"}))
    assert rendered == expected


def test_the_url_tag_still_refuses_a_name_that_matches_nothing():
    with pytest.raises(NoReverseMatch):
        Template("{% url 'nowhere' %}").render(Context())


def test_every_template_s_url_tag_is_the_kept_one():
    from studygroup.core.templatetags.paths import KeptURLNode

    assert isinstance(Template("{% url 'healthz' %}").nodelist[0], KeptURLNode)
