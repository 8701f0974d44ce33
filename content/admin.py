from django.contrib import admin, messages
from django.contrib.auth.base_user import AbstractBaseUser
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from reversion.admin import VersionAdmin
from reversion.models import Version

from .forms import ImportPlanForm, TextImportForm
from .importer import ImportRefused, text_export, text_import
from .models import Chapter, ImportRecord, Paragraph, Question, ReadingItem, StudyText
from .textformat import TextFormatError


class TextHistoryAdmin(VersionAdmin):
    """Every edit kept by django-reversion, with who and when (an import's writes too); the
    History page lists them, and a version shows what differs from now before it is
    restored with one Save."""

    def revision_view(self, request, object_id, version_id, extra_context=None):
        version = get_object_or_404(Version, pk=version_id, object_id=object_id)
        current = get_object_or_404(self.model, pk=object_id)
        differences = [
            (field.verbose_name, getattr(current, field.attname), version.field_dict[field.attname])
            for field in self.model._meta.concrete_fields
            if field.attname in version.field_dict
            and getattr(current, field.attname) != version.field_dict[field.attname]
        ]
        context = {"differences": differences, "version": version, **(extra_context or {})}
        return super().revision_view(request, object_id, version_id, context)


class ChapterInline(admin.TabularInline):
    model = Chapter
    fields = ["number", "title"]
    extra = 0
    show_change_link = True


class QuestionInline(admin.TabularInline):
    model = Question
    fields = ["position", "body"]
    extra = 0
    show_change_link = True
    verbose_name_plural = "questions"


class ReadingItemInline(admin.TabularInline):
    model = ReadingItem
    fields = ["level", "position", "title", "author", "reference", "note"]
    extra = 0


@admin.register(StudyText)
class StudyTextAdmin(TextHistoryAdmin):
    list_display = ["title", "slug", "chapter_count", "question_count", "updated", "export_link"]
    search_fields = ["title", "slug"]
    prepopulated_fields = {"slug": ["title"]}
    inlines = [ChapterInline, QuestionInline, ReadingItemInline]
    change_list_template = "admin/content/studytext/change_list.html"

    def get_queryset(self, request: HttpRequest):
        return (
            super()
            .get_queryset(request)
            .annotate(
                chapter_count=Count("chapters", distinct=True),
                question_count=Count("questions", distinct=True),
            )
        )

    @admin.display(description="chapters", ordering="chapter_count")
    def chapter_count(self, obj: StudyText) -> int:
        return obj.chapter_count  # type: ignore[attr-defined]  # annotated by get_queryset

    @admin.display(description="questions", ordering="question_count")
    def question_count(self, obj: StudyText) -> int:
        return obj.question_count  # type: ignore[attr-defined]  # annotated by get_queryset

    @admin.display(description="export")
    def export_link(self, obj: StudyText) -> str:
        url = reverse("admin:content_studytext_export", args=[obj.pk])
        return format_html('<a href="{}">Download .txt</a>', url)

    def get_urls(self):
        return [
            path(
                "import/",
                self.admin_site.admin_view(self.import_view),
                name="content_studytext_import",
            ),
            path(
                "import/<int:record_id>/rollback/",
                self.admin_site.admin_view(self.rollback_view),
                name="content_studytext_rollback",
            ),
            path(
                "<int:pk>/export/",
                self.admin_site.admin_view(self.export_view),
                name="content_studytext_export",
            ),
            *super().get_urls(),
        ]

    def import_view(self, request: HttpRequest) -> HttpResponse:
        """Upload, then the plan, then apply: nothing is written before the admin has seen
        every change and what hangs on each removal, and confirmed that same file."""
        if not (self.has_add_permission(request) and self.has_change_permission(request)):
            return HttpResponse(status=403)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "Import a study text",
        }
        if request.method == "POST" and "plan" in request.POST:
            return self._import_plan(request, context)
        posted = request.method == "POST"
        form = TextImportForm(request.POST, request.FILES) if posted else TextImportForm()
        if posted and form.is_valid():
            upload = form.cleaned_data["file"]
            plan = ImportPlanForm.for_upload(
                upload.read(), form.cleaned_data["slug"], form.cleaned_data["title"]
            )
            plan.cleaned_data["name"] = upload.name
            try:
                return self._preview(request, context, plan, upload.name)
            except TextFormatError as exc:
                form.add_error(
                    "file", f"{upload.name}, line {exc.line}: {exc.reason}. Nothing was imported."
                )
        context["form"] = form
        return TemplateResponse(request, "admin/content/studytext/import.html", context)

    def _import_plan(self, request: HttpRequest, context: dict) -> HttpResponse:
        plan = ImportPlanForm(request.POST)
        if not plan.is_valid():
            self.message_user(request, "The preview came back incomplete: upload the file again.")
            return redirect("admin:content_studytext_import")
        name = plan.cleaned_data["name"]
        try:
            if "apply" not in request.POST:
                return self._preview(request, context, plan, name)
            current = text_import(**plan.import_arguments(), dry_run=True)
            if not plan.saw(current):
                self.message_user(
                    request,
                    "The plan changed since you saw it (a choice changed, or the text was "
                    "edited meanwhile): here it is as it stands. Check it, then apply.",
                    messages.WARNING,
                )
                return self._preview(request, context, plan, name)
            report = text_import(**plan.import_arguments(), by=_staff(request))
        except ImportRefused as refused:
            self.message_user(request, refused.report.summary(), messages.ERROR)
            return self._preview(request, context, plan, name)
        except (TextFormatError, ValueError) as exc:
            self.message_user(request, f"Nothing was imported: {exc}", messages.ERROR)
            return redirect("admin:content_studytext_import")
        self.message_user(request, report.summary(), messages.SUCCESS)
        return redirect("admin:content_studytext_change", report.text.pk)

    def rollback_view(self, request: HttpRequest, record_id: int) -> HttpResponse:
        """An import undone as a whole: the text as it was before it, imported again through
        the same plan, refusals and confirmation as any file."""
        if not self.has_change_permission(request):
            return HttpResponse(status=403)
        record = get_object_or_404(ImportRecord.objects.select_related("text"), pk=record_id)
        if not record.before:
            self.message_user(
                request, "That import created the text: there is no earlier text to go back to."
            )
            return redirect("admin:content_importrecord_changelist")
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "Import a study text",
        }
        plan = ImportPlanForm.for_upload(record.before.encode(), record.text.slug, "")
        name = f"the text as it was before the import of {record.created:%Y-%m-%d %H:%M}"
        return self._preview(request, context, plan, name)

    def _preview(
        self, request: HttpRequest, context: dict, plan: ImportPlanForm, name: str
    ) -> HttpResponse:
        arguments = plan.import_arguments()
        report = text_import(**arguments, dry_run=True)
        unpaired = (  # the pairing choices come from the plan without any pairs
            text_import(**arguments | {"pairs": {}}, dry_run=True) if arguments["pairs"] else report
        )
        context |= {
            "title": f"Import {name}: what would change",
            "report": report,
            "plan": plan.refreshed(report, name),
            "pairing": plan.pairing(unpaired),
        }
        return TemplateResponse(request, "admin/content/studytext/import_plan.html", context)

    def export_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        if not self.has_view_permission(request):
            return HttpResponse(status=403)
        text = get_object_or_404(StudyText, pk=pk)
        response = HttpResponse(text_export(text), content_type="text/plain; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{text.slug}.txt"'
        return response


class ParagraphInline(admin.StackedInline):
    model = Paragraph
    fields = [("position", "kind"), "body", "citation"]
    extra = 0


@admin.register(Chapter)
class ChapterAdmin(TextHistoryAdmin):
    list_display = ["number", "title", "text"]
    list_display_links = ["number", "title"]
    list_filter = ["text"]
    list_select_related = ["text"]
    search_fields = ["title", "paragraphs__body"]
    inlines = [ParagraphInline]


@admin.register(Paragraph)
class ParagraphAdmin(TextHistoryAdmin):
    list_display = ["__str__", "kind", "chapter"]
    list_filter = ["kind", "chapter__text"]
    list_select_related = ["chapter"]
    search_fields = ["body", "citation"]
    raw_id_fields = ["chapter"]


@admin.register(Question)
class QuestionAdmin(TextHistoryAdmin):
    """The text's questions. A group's own questions (no text) are the groups admin's."""

    list_display = ["body", "position", "text"]
    list_filter = ["text", "chapters"]
    list_select_related = ["text"]
    search_fields = ["body"]
    filter_horizontal = ["chapters"]

    def get_queryset(self, request: HttpRequest):
        return super().get_queryset(request).filter(text__isnull=False)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "text":
            kwargs["required"] = True
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(ReadingItem)
class ReadingItemAdmin(TextHistoryAdmin):
    list_display = ["title", "author", "reference", "note", "level", "position", "text"]
    list_filter = ["text", "level"]
    list_select_related = ["text"]
    search_fields = ["title", "author", "note"]


@admin.register(ImportRecord)
class ImportRecordAdmin(admin.ModelAdmin):
    """The imports that changed a text, newest first; each can be rolled back whole."""

    list_display = ["created", "text", "by", "summary", "rollback_link"]
    list_filter = ["text"]
    list_select_related = ["text"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    @admin.display(description="roll back")
    def rollback_link(self, obj: ImportRecord) -> str:
        if not obj.before:
            return "—"
        url = reverse("admin:content_studytext_rollback", args=[obj.pk])
        return format_html('<a href="{}">Roll back to before this import…</a>', url)


def _staff(request: HttpRequest) -> AbstractBaseUser | None:
    """The admin's user (admin_view lets only staff in)."""
    user = request.user
    return user if isinstance(user, AbstractBaseUser) else None
