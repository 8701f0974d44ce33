from django.contrib import admin, messages
from django.db.models import QuerySet

from studygroup.accounts.http import AuthenticatedHttpRequest

from . import services
from .models import Answer, Comment, Discussion


class PostAdmin(admin.ModelAdmin):
    """Admins moderate as facilitators do: hide with a reason, or show again."""

    list_display = ["__str__", "author", "created", "edited", "hidden", "deleted"]
    list_filter = [("hidden", admin.EmptyFieldListFilter), ("deleted", admin.EmptyFieldListFilter)]
    search_fields = ["body", "author__username", "author__display_name"]
    readonly_fields = ["body_html", "created", "edited", "deleted", "hidden", "hidden_by"]
    raw_id_fields = ["author"]
    actions = ["hide", "unhide"]

    @admin.action(description="Hide the selected posts (reason: removed by an admin)")
    def hide(self, request: AuthenticatedHttpRequest, queryset: QuerySet) -> None:
        for post in queryset:
            services.post_hide(post=post, by=request.user, reason="Removed by an admin.")
        self.message_user(request, f"{len(queryset)} hidden.", messages.SUCCESS)

    @admin.action(description="Show the selected posts again")
    def unhide(self, request: AuthenticatedHttpRequest, queryset: QuerySet) -> None:
        for post in queryset:
            services.post_unhide(post=post, by=request.user)
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


@admin.register(Discussion)
class DiscussionAdmin(admin.ModelAdmin):
    list_display = ["question", "group", "locked", "answer_first"]
    list_filter = ["locked"]
    list_select_related = ["question", "group"]
    raw_id_fields = ["group", "question"]
