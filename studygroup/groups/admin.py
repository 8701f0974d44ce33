from django.contrib import admin

from .models import JoinRequest, Meeting, Membership, StudyGroup


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
