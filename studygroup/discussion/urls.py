from django.urls import path

from .views import margin, meetings, questions, reading, search

app_name = "discussion"
urlpatterns = [
    # The group's page, with what is new in its discussion. Its address is the groups app's
    # (studygroup.urls includes that app first, so groups/new/ is still its own).
    path("groups/<slug:slug>/", meetings.group_page, name="group"),
    path("groups/<slug:slug>/meetings/<int:meeting_id>/", meetings.meeting, name="meeting"),
    path(
        "groups/<slug:slug>/meetings/<int:meeting_id>/pack/",
        meetings.meeting_pack,
        name="meeting_pack",
    ),
    path("groups/<slug:slug>/read/<int:number>/", reading.read, name="read"),
    # A paragraph's margin (its notes and the posts citing it), by its reference ¶15.11.
    path(
        "groups/<slug:slug>/read/<int:number>/notes/<int:position>/",
        margin.margin,
        name="margin",
    ),
    path(
        "groups/<slug:slug>/read/<int:number>/notes/<int:position>/new/",
        margin.note_create,
        name="note_create",
    ),
    path(
        "groups/<slug:slug>/read/<int:number>/notes/<int:position>/lock/",
        margin.margin_lock,
        name="margin_lock",
    ),
    path("groups/<slug:slug>/notes/<int:note_id>/edit/", margin.note_edit, name="note_edit"),
    path("groups/<slug:slug>/notes/<int:note_id>/delete/", margin.note_delete, name="note_delete"),
    path(
        "groups/<slug:slug>/notes/<int:note_id>/moderate/",
        margin.note_moderate,
        name="note_moderate",
    ),
    path("groups/<slug:slug>/search/", search.search, name="search"),
    path("groups/<slug:slug>/progress/", meetings.group_progress, name="progress"),
    path("groups/<slug:slug>/questions/<int:question_id>/", questions.question, name="question"),
    path(
        "groups/<slug:slug>/questions/<int:question_id>/all/",
        questions.question_all,
        name="question_all",
    ),
    path("groups/<slug:slug>/answers/<int:answer_id>/", questions.answer_thread, name="answer"),
    path(
        "groups/<slug:slug>/answers/<int:answer_id>/comments/more/",
        questions.comments_more,
        name="comments_more",
    ),
    path(
        "groups/<slug:slug>/questions/<int:question_id>/answer/",
        questions.answer_create,
        name="answer_create",
    ),
    path(
        "groups/<slug:slug>/questions/<int:question_id>/settings/",
        questions.question_settings,
        name="question_settings",
    ),
    path(
        "groups/<slug:slug>/answers/<int:answer_id>/edit/",
        questions.answer_edit,
        name="answer_edit",
    ),
    path(
        "groups/<slug:slug>/answers/<int:answer_id>/delete/",
        questions.answer_delete,
        name="answer_delete",
    ),
    path(
        "groups/<slug:slug>/answers/<int:answer_id>/comments/",
        questions.comment_create,
        name="comment_create",
    ),
    path(
        "groups/<slug:slug>/answers/<int:answer_id>/moderate/",
        questions.answer_moderate,
        name="answer_moderate",
    ),
    path(
        "groups/<slug:slug>/comments/<int:comment_id>/edit/",
        questions.comment_edit,
        name="comment_edit",
    ),
    path(
        "groups/<slug:slug>/comments/<int:comment_id>/delete/",
        questions.comment_delete,
        name="comment_delete",
    ),
    path(
        "groups/<slug:slug>/comments/<int:comment_id>/moderate/",
        questions.comment_moderate,
        name="comment_moderate",
    ),
]
