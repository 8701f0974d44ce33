from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from studygroup.accounts.http import AuthenticatedHttpRequest, staff_user

from . import services
from .models import Answer, Comment, Discussion, Note


class PostAdmin(admin.ModelAdmin):
    """Admins moderate as facilitators do: hide with a reason, or show again.

    Everything else is read-only here: a member's words change only when that member edits
    them (through the service that renders and sanitises them), and the derived fields
    (paths, counts, bounds) only through the services that keep them right. Nor can an admin
    add or delete posts here: a deletion would take every reply with it.
    """

    list_display = ["__str__", "author", "created", "edited", "hidden", "deleted"]
    list_filter = [("hidden", admin.EmptyFieldListFilter), ("deleted", admin.EmptyFieldListFilter)]
    search_fields = ["body", "author__username", "author__display_name"]
    raw_id_fields = ["author"]
    actions = ["hide", "unhide"]

    def get_readonly_fields(self, request: HttpRequest, obj=None) -> list[str]:
        return [field.name for field in self.model._meta.concrete_fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    @admin.action(description="Hide the selected posts (reason: removed by an admin)")
    def hide(self, request: AuthenticatedHttpRequest, queryset: QuerySet) -> None:
        for post in queryset:
            services.post_hide(post=post, by=staff_user(request), reason="Removed by an admin.")
        self.message_user(request, f"{len(queryset)} hidden.", messages.SUCCESS)

    @admin.action(description="Show the selected posts again")
    def unhide(self, request: AuthenticatedHttpRequest, queryset: QuerySet) -> None:
        for post in queryset:
            services.post_unhide(post=post, by=staff_user(request))
        self.message_user(request, f"{len(queryset)} shown again.", messages.SUCCESS)


@admin.register(Answer)
class AnswerAdmin(PostAdmin):
    list_display = [*PostAdmin.list_display, "group"]
    list_select_related = ["author", "group"]
    raw_id_fields = ["author", "group", "question"]


@admin.register(Comment)
class CommentAdmin(PostAdmin):
    list_select_related = ["author"]
    raw_id_fields = ["author", "answer", "parent"]


@admin.register(Note)
class NoteAdmin(PostAdmin):
    list_display = [*PostAdmin.list_display, "group"]
    list_select_related = ["author", "group"]
    raw_id_fields = ["author", "group", "paragraph", "parent"]


@admin.register(Discussion)
class DiscussionAdmin(admin.ModelAdmin):
    """A question's settings in a group, saved through the service that audits a lock."""

    list_display = ["question", "group", "locked", "answer_first"]
    list_filter = ["locked"]
    list_select_related = ["question", "group"]
    raw_id_fields = ["group", "question"]

    def get_readonly_fields(self, request: HttpRequest, obj=None) -> list[str]:
        return ["group", "question"] if obj else []

    def save_model(self, request: HttpRequest, obj: Discussion, form, change: bool) -> None:
        saved = services.discussion_set(
            group=obj.group,
            question=obj.question,
            locked=obj.locked,
            answer_first=obj.answer_first,
            by=staff_user(request),
        )
        obj.pk = saved.pk

    def delete_model(self, request: HttpRequest, obj: Discussion) -> None:
        # Deleting the row returns the question to the group's rules: unlocked, as the group.
        services.discussion_set(
            group=obj.group,
            question=obj.question,
            locked=False,
            answer_first=None,
            by=staff_user(request),
        )
