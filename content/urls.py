from django.urls import path

from . import views

app_name = "content"
urlpatterns = [
    path("", views.home, name="home"),
    path("texts/<slug:slug>/", views.text_detail, name="text"),
    path("texts/<slug:slug>/chapters/<int:number>/", views.chapter_detail, name="chapter"),
    path("texts/<slug:slug>/questions/", views.questions, name="questions"),
    path("texts/<slug:slug>/reading/", views.reading_list, name="reading_list"),
]
