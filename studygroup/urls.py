from django.contrib import admin
from django.urls import include, path

from studygroup.core import views

urlpatterns = [
    path("", include("content.urls")),
    path("", include("studygroup.groups.urls")),
    path("", include("studygroup.discussion.urls")),
    path("", include("studygroup.notifications.urls")),
    path("accounts/", include("studygroup.accounts.urls")),
    path("", include("studygroup.owndata.urls")),
    path("healthz", views.healthz, name="healthz"),
    path("favicon.ico", views.favicon, name="favicon"),
    path("admin/", admin.site.urls),
]
