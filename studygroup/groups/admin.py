from django.contrib import admin

from .models import AuditEvent, GroupQuestion, JoinRequest, Meeting, Membership, StudyGroup


class MembershipInline(admin.TabularInline):
    model = Membership
    fields = ["user", "role", "joined"]
    raw_id_fields = ["user"]
    extra = 0


@admin.register(StudyGroup)
class StudyGroupAdmin(admin.ModelAdmin):
    list_display = ["name", "text", "join_policy", "invite_enabled", "answer_first", "created"]
    list_filter = ["join_policy", "invite_enabled", "answer_first", "text"]
    list_select_related = ["text"]
    search_fields = ["name", "slug", "description"]
    readonly_fields = ["slug", "invite_code", "created"]
    inlines = [MembershipInline]


@admin.register(GroupQuestion)
class GroupQuestionAdmin(admin.ModelAdmin):
    """A group's own questions: the words are the question's, edited through it."""

    list_display = ["question", "group", "position"]
    list_filter = ["group"]
    list_select_related = ["question", "group"]
    raw_id_fields = ["question", "group"]
    search_fields = ["question__body", "group__name"]


@admin.register(Meeting)
class MeetingAdmin(admin.ModelAdmin):
    list_display = ["group", "starts_at", "ends_at", "place"]
    list_filter = ["group"]
    list_select_related = ["group"]
    date_hierarchy = "starts_at"
    filter_horizontal = ["chapters", "readings", "questions"]
    raw_id_fields = ["group"]


@admin.register(JoinRequest)
class JoinRequestAdmin(admin.ModelAdmin):
    list_display = ["user", "group", "state", "created", "decided_by", "decided"]
    list_filter = ["state"]
    list_select_related = ["user", "group", "decided_by"]
    raw_id_fields = ["user", "group", "decided_by"]


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ["created", "group", "actor", "action", "detail"]
    list_filter = ["action"]
    list_select_related = ["group", "actor"]
    search_fields = ["detail", "group__name", "actor__username"]
    date_hierarchy = "created"

    # A record of what happened: admins read it, nobody edits it.
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
