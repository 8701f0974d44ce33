from dataclasses import dataclass

from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_safe

from . import compiled
from .models import Chapter, Question, ReadingItem, StudyText
from .revisions import table_of_contents, tables_of_contents


@dataclass(frozen=True)
class TextCard:
    """A text with its contents (kept per revision: table_of_contents)."""

    text: StudyText
    chapters: list[Chapter]


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    # Compiled once (content.compiled), as is the chapter below: building the query was
    # more of these pages' time than running it.
    texts = compiled.objects("content.home", StudyText.objects.all, {})
    contents = tables_of_contents(texts)
    cards = [TextCard(text, contents[text.pk]) for text in texts]
    return render(request, "content/home.html", {"texts": cards})


@require_safe
def text_detail(request: HttpRequest, slug: str) -> HttpResponse:
    text = get_object_or_404(StudyText, slug=slug)
    return render(request, "content/text.html", {"text": text, "chapters": table_of_contents(text)})


@require_safe
def chapter_detail(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    chapter = compiled.one(
        "content.chapter",
        lambda slug, number: Chapter.objects.select_related("text").filter(
            text__slug=slug, number=number
        ),
        {"slug": slug, "number": number},
    )
    if chapter is None:
        raise Http404("No such chapter.")
    # The whole table of contents, built once per revision of the text: it gives the
    # sidebar and previous / next.
    chapters = table_of_contents(chapter.text)
    # A retired chapter is not in the list: its page still reads, without a place in it.
    index = next((i for i, c in enumerate(chapters) if c.pk == chapter.pk), None)
    context = {
        "text": chapter.text,
        "chapter": chapter,
        "chapters": chapters,
        "paragraphs": chapter.paragraphs.all(),
        "previous": chapters[index - 1] if index else None,
        "next": chapters[index + 1] if index is not None and index + 1 < len(chapters) else None,
    }
    return render(request, "content/chapter.html", context)


@require_safe
def questions(request: HttpRequest, slug: str) -> HttpResponse:
    text = get_object_or_404(StudyText, slug=slug)
    items = Question.objects.of_text(text).prefetch_related(
        Prefetch("chapters", queryset=Chapter.objects.in_order().only("text", "number", "title"))
    )
    return render(request, "content/questions.html", {"text": text, "questions": items})


@require_safe
def reading_list(request: HttpRequest, slug: str) -> HttpResponse:
    text = get_object_or_404(StudyText, slug=slug)
    readings = list(ReadingItem.objects.current().filter(text=text).order_by("level", "position"))
    levels = [
        (label, [r for r in readings if r.level == level])
        for level, label in ReadingItem.Level.choices
    ]
    return render(
        request,
        "content/reading_list.html",
        {"text": text, "levels": [(label, items) for label, items in levels if items]},
    )
