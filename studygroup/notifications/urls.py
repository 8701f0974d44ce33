from django.urls import path

from . import views

app_name = "notifications"
urlpatterns = [
    path("notifications/", views.inbox, name="inbox"),
    path("notifications/read/", views.mark_read, name="read"),
    path("groups/<slug:slug>/questions/<int:question_id>/watch/", views.watch, name="watch"),
]
