import copy
from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model, login
from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch, QuerySet
from django.db.models.functions import Now
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_safe

from content import compiled
from content.models import Chapter, ReadingItem
from studygroup.accounts.forms import SignupForm, ThrottledLoginForm
from studygroup.accounts.http import AuthenticatedHtmxHttpRequest, AuthenticatedHttpRequest
from studygroup.accounts.models import User
from studygroup.accounts.sessions import BACKEND
from studygroup.core import ratelimit
from studygroup.core.http import confirm_first, form_lives_on, safe_next

from . import calendar, services
from .access import group_for_facilitator, group_for_member
from .forms import (
    AttendanceForm,
    DecisionForm,
    GroupForm,
    GroupQuestionForm,
    InviteForm,
    MarkForm,
    MeetingForm,
    RoleForm,
)
from .models import (
    JoinRequest,
    Meeting,
    Membership,
    StudyGroup,
    schedules,
    ticks,
)

AUDIT_SHOWN = 50  # recent changes on the members page; admins see them all
MARKABLE: dict[str, type[Chapter] | type[ReadingItem]] = {
    "chapter": Chapter,
    "reading": ReadingItem,
}


@login_required
@require_safe
def dashboard(request: AuthenticatedHttpRequest) -> HttpResponse:
    memberships = compiled.objects("my-groups", _my_groups, {"user_id": request.user.pk})
    # The next meeting of every group, from their kept schedules.
    now = timezone.now()
    next_meeting: dict[int, Meeting] = {}
    for group_id, meetings in schedules([m.group for m in memberships]).items():
        if upcoming := next((m for m in meetings if not m.is_over(now)), None):
            next_meeting[group_id] = upcoming
    marked_chapters, marked_readings = ticks(user_id=request.user.pk)
    facilitated = [m.group_id for m in memberships if m.is_facilitator]
    pending = (
        compiled.objects("pending-for", _pending_for, {"group_ids": facilitated})
        if facilitated
        else []
    )
    my_requests = compiled.objects("my-requests", _my_requests, {"user_id": request.user.pk})
    rows = []
    for m in memberships:
        rows.append({"membership": m, "group": m.group, "meeting": next_meeting.get(m.group_id)})
    return render(
        request,
        "groups/dashboard.html",
        {
            "rows": rows,
            "pending": pending,
            "my_requests": my_requests,
            "marked_chapters": marked_chapters,
            "marked_readings": marked_readings,
        },
    )


def _pending_for(group_ids: list[int]) -> QuerySet[JoinRequest]:
    waiting = JoinRequest.objects.filter(group__in=group_ids, state=JoinRequest.State.PENDING)
    return waiting.select_related("group", "user").order_by("created")


def _my_requests(user_id: int) -> QuerySet[JoinRequest]:
    # The last 30 days by the database's clock: a constant of the query compiled once.
    recent = JoinRequest.objects.filter(user_id=user_id, created__gte=Now() - timedelta(days=30))
    return recent.exclude(state=JoinRequest.State.APPROVED).select_related("group")


def _my_groups(user_id: int) -> QuerySet[Membership]:
    mine = Membership.objects.filter(user_id=user_id).select_related("group", "group__text")
    return mine.order_by("group__name")


@login_required
def group_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = GroupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        group = services.group_create(
            user=request.user,
            text=data.pop("text"),
            name=data.pop("name"),
            **data,
        )
        messages.success(request, "Your group is ready. Invite people with its link.")
        return redirect("groups:invite", group.slug)
    return render(request, "groups/group_form.html", {"form": form, "creating": True})


@login_required
def group_edit(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    group, membership = group_for_facilitator(request, slug)
    # A copy: validating the form writes into its instance, and the service compares.
    form = GroupForm(request.POST or None, instance=copy.copy(group))
    if request.method == "POST" and form.is_valid():
        services.group_update(group=group, by=request.user, **form.cleaned_data)
        messages.success(request, "The group is saved.")
        return redirect(group)
    return render(
        request,
        "groups/group_form.html",
        {"form": form, "group": group, "membership": membership},
    )


@login_required
def invite(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    group, membership = group_for_facilitator(request, slug)
    form = InviteForm(request.POST or None, instance=group)
    if request.method == "POST" and form.is_valid():
        services.invite_settings(
            group=group,
            by=request.user,
            enabled=form.cleaned_data["invite_enabled"],
            policy=form.cleaned_data["join_policy"],
        )
        messages.success(request, "Invite settings saved.")
        return redirect("groups:invite", group.slug)
    return render(
        request,
        "groups/invite.html",
        {
            "group": group,
            "membership": membership,
            "form": form,
            "invite_url": request.build_absolute_uri(group.invite_path()),
        },
    )


@login_required
@form_lives_on(lambda slug: reverse("groups:invite", args=[slug]))
def invite_rotate(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    group, _ = group_for_facilitator(request, slug)
    if asking := confirm_first(
        request,
        title="Make a new invite link?",
        message="The link you have shared stops working at once: anyone who has not joined "
        "yet needs the new one.",
        submit="Make a new link",
        back=reverse("groups:invite", args=[group.slug]),
    ):
        return asking
    services.invite_rotate(group=group, by=request.user)
    messages.success(request, "The invite link is new; the old one no longer works.")
    return redirect("groups:invite", group.slug)


def _joined(request: HttpRequest, user: User, code: str) -> HttpResponse:
    already = Membership.objects.filter(group__invite_code=code, user=user).exists()
    try:
        result = services.group_join(user=user, code=code)
    except services.GroupError as exc:
        messages.error(request, str(exc))
        return redirect("groups:dashboard")
    if isinstance(result, JoinRequest):
        return redirect("groups:dashboard")  # which says the request is waiting
    if already:  # a member who logged in on the invite page
        messages.info(request, f"You are already in {result.group.name}.")
    else:
        messages.success(request, f"Welcome to {result.group.name}.")
    return redirect(result.group)


def join(request: HttpRequest, code: str) -> HttpResponse:
    """The invite link: sign up or log in right here, or join with one click."""
    address = ratelimit.client_address(request)
    if ratelimit.over("invite", address):  # someone guessing codes
        return ratelimit.too_many(request, settings.RATE_LIMITS["invite"][1])
    group = StudyGroup.objects.filter(invite_code=code, invite_enabled=True).first()
    if group is None:
        ratelimit.hit("invite", address)
        return render(request, "groups/join_invalid.html", status=404)
    if request.user.is_authenticated:
        if request.method == "POST":
            return _joined(request, request.user, code)
        if Membership.objects.filter(group=group, user=request.user).exists():
            return redirect(group)
        return render(request, "groups/join.html", {"group": group, "code": code})

    signup_form, login_form = SignupForm(prefix="signup"), ThrottledLoginForm(request)
    status = 200
    if request.method == "POST":
        if request.POST.get("action") == "signup":
            if refused := ratelimit.limited(request, "signup"):
                return refused
            signup_form = SignupForm(request.POST, prefix="signup")
            if signup_form.is_valid():
                user = signup_form.save()
                login(request, user, backend=BACKEND)
                return _joined(request, user, code)
        else:
            login_form = ThrottledLoginForm(request, data=request.POST)
            if login_form.is_valid():
                user = login_form.get_user()
                login(request, user)
                return _joined(request, user, code)
            if login_form.has_error("__all__", "throttled"):
                status = 429
    response = render(
        request,
        "groups/join.html",
        {"group": group, "code": code, "signup_form": signup_form, "login_form": login_form},
        status=status,
    )
    if status == 429:
        response["Retry-After"] = str(login_form.retry_after)
    return response


@login_required
def members(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    group, membership = group_for_member(request, slug)
    requests = (
        group.join_requests.filter(state=JoinRequest.State.PENDING).select_related("user")
        if membership.is_facilitator
        else []
    )
    return render(
        request,
        "groups/members.html",
        {
            "group": group,
            "membership": membership,
            "members": Membership.objects.filter(group=group).by_name(),
            "requests": requests,
            "audit": group.audit_events.select_related("actor")[:AUDIT_SHOWN]
            if membership.is_facilitator
            else [],
        },
    )


def _member_of(group: StudyGroup, member_id: int) -> Membership:
    return get_object_or_404(Membership.objects.select_related("user"), group=group, pk=member_id)


@login_required
@form_lives_on(lambda slug, member_id: reverse("groups:members", args=[slug]))
def member_role(request: AuthenticatedHttpRequest, slug: str, member_id: int) -> HttpResponse:
    group, _ = group_for_facilitator(request, slug)
    target = _member_of(group, member_id)
    form = RoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose facilitator or member.")
    else:
        try:
            services.member_set_role(
                membership=target, role=form.cleaned_data["role"], by=request.user
            )
            messages.success(
                request, f"{target.user.name} is now a {target.get_role_display().lower()}."
            )
        except services.GroupError as exc:
            messages.error(request, str(exc))
    return redirect("groups:members", group.slug)


@login_required
@form_lives_on(lambda slug, member_id: reverse("groups:members", args=[slug]))
def member_remove(request: AuthenticatedHttpRequest, slug: str, member_id: int) -> HttpResponse:
    group, _ = group_for_facilitator(request, slug)
    target = _member_of(group, member_id)
    if asking := confirm_first(
        request,
        title=f"Remove {target.user.name} from {group.name}?",
        message="They will no longer see the group's pages. Their answers and comments stay; "
        "they can join again with the invite link.",
        submit="Remove from the group",
        back=reverse("groups:members", args=[group.slug]),
    ):
        return asking
    try:
        services.member_remove(membership=target, by=request.user)
        messages.success(request, f"{target.user.name} is no longer in the group.")
    except services.GroupError as exc:
        messages.error(request, str(exc))
    return redirect("groups:members", group.slug)


@login_required
@form_lives_on(lambda slug: reverse("groups:members", args=[slug]))
def leave(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    group, membership = group_for_member(request, slug)
    if asking := confirm_first(
        request,
        title=f"Leave {group.name}?",
        message="You will no longer see the group's pages. Your answers and comments stay; "
        "you can join again with the invite link.",
        submit="Leave the group",
        back=reverse("groups:members", args=[group.slug]),
    ):
        return asking
    try:
        services.member_remove(membership=membership, by=request.user)
    except services.GroupError as exc:
        messages.error(request, str(exc))
        return redirect("groups:members", group.slug)
    messages.success(request, f"You have left {group.name}.")
    return redirect("groups:dashboard")


@login_required
@form_lives_on(lambda slug, request_id: reverse("groups:members", args=[slug]))
def request_decide(request: AuthenticatedHttpRequest, slug: str, request_id: int) -> HttpResponse:
    group, _ = group_for_facilitator(request, slug)
    join_request = get_object_or_404(
        JoinRequest.objects.select_related("user", "group"), group=group, pk=request_id
    )
    form = DecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Approve or decline the request.")
        return redirect("groups:members", group.slug)
    approve = form.cleaned_data["decision"] == "approve"
    try:
        services.request_decide(join_request=join_request, by=request.user, approve=approve)
    except services.GroupError as exc:
        messages.error(request, str(exc))
    else:
        verb = "joined the group" if approve else "was declined"
        messages.success(request, f"{join_request.user.name} {verb}.")
    return redirect(safe_next(request, reverse("groups:members", args=[group.slug])))


@login_required
def meeting_create(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    group, membership = group_for_facilitator(request, slug)
    return _meeting_form(request, group, membership, None)


@login_required
def meeting_edit(request: AuthenticatedHttpRequest, slug: str, meeting_id: int) -> HttpResponse:
    group, membership = group_for_facilitator(request, slug)
    meeting = get_object_or_404(group.meetings.scheduled().with_assignments(), pk=meeting_id)
    return _meeting_form(request, group, membership, meeting)


def _meeting_form(
    request: AuthenticatedHttpRequest,
    group: StudyGroup,
    membership: Membership,
    meeting: Meeting | None,
) -> HttpResponse:
    initial = MeetingForm.initial_for(meeting) if meeting else {}
    form = MeetingForm(request.POST or None, group=group, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            saved = services.meeting_save(
                group=group,
                meeting=meeting,
                by=request.user,
                starts_at=data["starts_at"],
                ends_at=data["ends_at"],
                place=data["place"],
                notes=data["notes"],
                chapters=data["chapters"],
                readings=data["readings"],
                questions=data["questions"],
            )
        except services.GroupError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, "The meeting is planned." if meeting is None else "Saved.")
            return redirect(saved)
    return render(
        request,
        "groups/meeting_form.html",
        {"group": group, "membership": membership, "form": form, "meeting": meeting},
    )


@login_required
@form_lives_on(lambda slug, meeting_id: reverse("discussion:meeting", args=[slug, meeting_id]))
def meeting_delete(request: AuthenticatedHttpRequest, slug: str, meeting_id: int) -> HttpResponse:
    group, _ = group_for_facilitator(request, slug)
    meeting = get_object_or_404(Meeting.objects.scheduled(), group=group, pk=meeting_id)
    meeting.group = group
    if asking := confirm_first(
        request,
        title="Cancel this meeting?",
        message=f"The meeting of {meeting.local_start:%A %-d %B, %H:%M} goes from the group's "
        "pages and calendars. Answers and comments on its questions stay.",
        submit="Cancel the meeting",
        back=meeting.get_absolute_url(),
    ):
        return asking
    services.meeting_cancel(meeting=meeting, by=request.user)
    messages.success(request, "The meeting is cancelled.")
    return redirect(group)


@login_required
@form_lives_on(lambda slug, meeting_id: reverse("discussion:meeting", args=[slug, meeting_id]))
def attendance(request: AuthenticatedHtmxHttpRequest, slug: str, meeting_id: int) -> HttpResponse:
    """Going, or can't make it; htmx swaps the choice in place."""
    group, membership = group_for_member(request, slug)
    meeting = get_object_or_404(Meeting.objects.scheduled(), group=group, pk=meeting_id)
    meeting.group = group
    form = AttendanceForm(request.POST)
    answer = form.cleaned_data["going"] if form.is_valid() else ""
    going = {"yes": True, "no": False}.get(answer)
    services.attendance_set(membership=membership, meeting=meeting, going=going)
    if request.htmx:
        return render(
            request,
            "discussion/meeting.html#attendance",
            {"group": group, "membership": membership, "meeting": meeting, "going": going},
        )
    return redirect(meeting)


@login_required
@form_lives_on(lambda slug, kind, item_id: reverse("discussion:group", args=[slug]))
def mark(request: AuthenticatedHtmxHttpRequest, slug: str, kind: str, item_id: int) -> HttpResponse:
    """Tick or untick a chapter or reading as done; htmx swaps the button in place."""
    group, membership = group_for_member(request, slug)
    model = MARKABLE.get(kind)
    if model is None:
        raise Http404
    item = get_object_or_404(model, pk=item_id, text_id=group.text_id)
    form = MarkForm(request.POST)
    done = form.is_valid() and form.cleaned_data["done"]
    services.mark_set(
        membership=membership,
        done=done,
        chapter=item if isinstance(item, Chapter) else None,
        reading=item if isinstance(item, ReadingItem) else None,
    )
    if request.htmx:
        return render(
            request,
            "groups/group.html#mark",
            {
                "group": group,
                "kind": kind,
                "item": item,
                "done": done,
                "back": safe_next(request, group.get_absolute_url()),
            },
        )
    return redirect(safe_next(request, group.get_absolute_url()))


@login_required
def question_add(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    """The group's questions for everyone in it; facilitators add their own here."""
    if request.method == "POST":
        group, membership = group_for_facilitator(request, slug)
    else:
        group, membership = group_for_member(request, slug)
    form = GroupQuestionForm(request.POST or None, group=group)
    if request.method == "POST" and form.is_valid():
        services.group_question_add(
            group=group,
            body=form.cleaned_data["body"],
            chapters=form.cleaned_data["chapters"],
            by=request.user,
        )
        messages.success(request, "The question is added; assign it to a meeting.")
        return redirect("groups:questions", group.slug)
    questions = group.questions().prefetch_related(
        Prefetch("chapters", queryset=Chapter.objects.order_by("number"))
    )
    return render(
        request,
        "groups/questions.html",
        {"group": group, "membership": membership, "form": form, "questions": questions},
    )


@require_safe
def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    user = get_object_or_404(get_user_model(), calendar_token=token, is_active=True)
    response = HttpResponse(
        calendar.feed_for(user, request.build_absolute_uri("/")),
        content_type="text/calendar; charset=utf-8",
    )
    response["Content-Disposition"] = 'inline; filename="studygroup.ics"'
    return response
