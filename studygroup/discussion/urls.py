from django.urls import path

from . import views

app_name = "discussion"
urlpatterns = [
    path("groups/<slug:slug>/questions/<int:question_id>/", views.question, name="question"),
    path(
        "groups/<slug:slug>/questions/<int:question_id>/all/",
        views.question_all,
        name="question_all",
    ),
    path("groups/<slug:slug>/answers/<int:answer_id>/", views.answer_thread, name="answer"),
    path(
        "groups/<slug:slug>/answers/<int:answer_id>/comments/more/",
        views.comments_more,
        name="comments_more",
    ),
    path(
        "groups/<slug:slug>/questions/<int:question_id>/answer/",
        views.answer_create,
        name="answer_create",
    ),
    path(
        "groups/<slug:slug>/questions/<int:question_id>/settings/",
        views.question_settings,
        name="question_settings",
    ),
    path("groups/<slug:slug>/answers/<int:answer_id>/edit/", views.answer_edit, name="answer_edit"),
    path(
        "groups/<slug:slug>/answers/<int:answer_id>/delete/",
        views.answer_delete,
        name="answer_delete",
    ),
    path(
        "groups/<slug:slug>/answers/<int:answer_id>/comments/",
        views.comment_create,
        name="comment_create",
    ),
    path(
        "groups/<slug:slug>/answers/<int:answer_id>/moderate/",
        views.answer_moderate,
        name="answer_moderate",
    ),
    path(
        "groups/<slug:slug>/comments/<int:comment_id>/edit/",
        views.comment_edit,
        name="comment_edit",
    ),
    path(
        "groups/<slug:slug>/comments/<int:comment_id>/delete/",
        views.comment_delete,
        name="comment_delete",
    ),
    path(
        "groups/<slug:slug>/comments/<int:comment_id>/moderate/",
        views.comment_moderate,
        name="comment_moderate",
    ),
    path("notifications/", views.notifications, name="notifications"),
    path("notifications/read/", views.notifications_read, name="notifications_read"),
]
