from django.urls import path

from . import views

app_name = "owndata"
urlpatterns = [
    path("accounts/profile/export/", views.export, name="export"),
    path("accounts/profile/delete/", views.delete_account, name="delete"),
]
