from django.urls import path

from . import views

app_name = "groups"
urlpatterns = [
    path("dashboard/", views.dashboard, name="dashboard"),
    path("groups/new/", views.group_create, name="create"),
    path("join/<str:code>/", views.join, name="join"),
    path("calendar/<str:token>.ics", views.calendar_feed, name="calendar"),
    # The group's own page is discussion:group (studygroup/discussion/views/meetings.py): it
    # shows what is new in the discussion, which this layer cannot ask.
    path("groups/<slug:slug>/edit/", views.group_edit, name="edit"),
    path("groups/<slug:slug>/invite/", views.invite, name="invite"),
    path("groups/<slug:slug>/invite/rotate/", views.invite_rotate, name="invite_rotate"),
    path("groups/<slug:slug>/members/", views.members, name="members"),
    path("groups/<slug:slug>/members/<int:member_id>/role/", views.member_role, name="member_role"),
    path(
        "groups/<slug:slug>/members/<int:member_id>/remove/",
        views.member_remove,
        name="member_remove",
    ),
    path("groups/<slug:slug>/leave/", views.leave, name="leave"),
    path(
        "groups/<slug:slug>/requests/<int:request_id>/",
        views.request_decide,
        name="request_decide",
    ),
    path("groups/<slug:slug>/meetings/new/", views.meeting_create, name="meeting_create"),
    path(
        "groups/<slug:slug>/meetings/<int:meeting_id>/edit/",
        views.meeting_edit,
        name="meeting_edit",
    ),
    path(
        "groups/<slug:slug>/meetings/<int:meeting_id>/delete/",
        views.meeting_delete,
        name="meeting_delete",
    ),
    path("groups/<slug:slug>/marks/<str:kind>/<int:item_id>/", views.mark, name="mark"),
    path(
        "groups/<slug:slug>/meetings/<int:meeting_id>/attendance/",
        views.attendance,
        name="attendance",
    ),
    path("groups/<slug:slug>/questions/", views.question_add, name="questions"),
]
