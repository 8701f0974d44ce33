from django.contrib import admin
from django.http import HttpRequest

from studygroup.accounts.http import staff_user

from . import services
from .models import AuditEvent, GroupQuestion, JoinRequest, Meeting, Membership, StudyGroup


class MembershipInline(admin.TabularInline):
    """Who is in the group. Roles change and members leave on the group's Members page,
    where the last-facilitator rule holds and the audit log records it."""

    model = Membership
    fields = ["user", "role", "joined"]
    readonly_fields = ["user", "role", "joined"]
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(StudyGroup)
class StudyGroupAdmin(admin.ModelAdmin):
    list_display = ["name", "text", "join_policy", "invite_enabled", "answer_first", "created"]
    list_filter = ["join_policy", "invite_enabled", "answer_first", "text"]
    list_select_related = ["text"]
    search_fields = ["name", "slug", "description"]
    readonly_fields = ["slug", "invite_code", "created"]
    inlines = [MembershipInline]

    def get_readonly_fields(self, request: HttpRequest, obj=None) -> list[str]:
        # The text is fixed once the group exists: answers and readings hang off it.
        return [*self.readonly_fields, "text"] if obj else self.readonly_fields

    def save_model(self, request: HttpRequest, obj: StudyGroup, form, change: bool) -> None:
        if not change:
            return super().save_model(request, obj, form, change)
        # Through the services, so the audit log records the admin's change as a
        # facilitator's: compared with the row as it was, not the form's copy.
        group = StudyGroup.objects.get(pk=obj.pk)
        editable = {name: form.cleaned_data[name] for name in services.EDITABLE}
        services.group_update(group=group, by=staff_user(request), **editable)
        if {"invite_enabled", "join_policy"} & set(form.changed_data):
            services.invite_settings(
                group=group,
                by=staff_user(request),
                enabled=form.cleaned_data["invite_enabled"],
                policy=form.cleaned_data["join_policy"],
            )
        return None

    def delete_model(self, request: HttpRequest, obj: StudyGroup) -> None:
        services.group_delete(group=obj, by=staff_user(request))  # its own questions go too

    def delete_queryset(self, request: HttpRequest, queryset) -> None:
        for group in queryset:
            services.group_delete(group=group, by=staff_user(request))


@admin.register(GroupQuestion)
class GroupQuestionAdmin(admin.ModelAdmin):
    """A group's own questions: the words are the question's, edited through it."""

    list_display = ["question", "group", "position"]
    list_filter = ["group"]
    list_select_related = ["question", "group"]
    search_fields = ["question__body", "group__name"]

    # Added on the group's Questions page (which numbers them); their words are edited
    # through the question.
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(Meeting)
class MeetingAdmin(admin.ModelAdmin):
    """Meetings are planned and changed on the group's pages (their forms keep the rules
    of times and assignments); here admins look, and cancel."""

    list_display = ["group", "starts_at", "ends_at", "place"]
    list_filter = ["group"]
    list_select_related = ["group"]
    date_hierarchy = "starts_at"
    filter_horizontal = ["chapters", "readings", "questions"]
    raw_id_fields = ["group"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def delete_model(self, request: HttpRequest, obj: Meeting) -> None:
        services.meeting_cancel(meeting=obj, by=staff_user(request))

    def delete_queryset(self, request: HttpRequest, queryset) -> None:
        for meeting in queryset.select_related("group"):
            services.meeting_cancel(meeting=meeting, by=staff_user(request))


@admin.register(JoinRequest)
class JoinRequestAdmin(admin.ModelAdmin):
    """Requests are answered with the actions, through the service (the requester joins,
    hears of it, and the audit log records who decided)."""

    list_display = ["user", "group", "state", "created", "decided_by", "decided"]
    list_filter = ["state"]
    list_select_related = ["user", "group", "decided_by"]
    actions = ["approve", "decline"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def _decide(self, request: HttpRequest, queryset, approve: bool) -> None:
        done = 0
        for join_request in queryset.filter(state=JoinRequest.State.PENDING):
            services.request_decide(
                join_request=join_request, by=staff_user(request), approve=approve
            )
            done += 1
        self.message_user(request, f"{done} answered (requests already answered are left).")

    @admin.action(description="Approve the selected requests", permissions=["view"])
    def approve(self, request: HttpRequest, queryset) -> None:
        self._decide(request, queryset, approve=True)

    @admin.action(description="Decline the selected requests", permissions=["view"])
    def decline(self, request: HttpRequest, queryset) -> None:
        self._decide(request, queryset, approve=False)


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
