from django.contrib.auth import views as auth_views
from django.urls import path, reverse, reverse_lazy

from studygroup.core.http import form_lives_on

from . import views

app_name = "accounts"
urlpatterns = [
    path("signup/", views.signup, name="signup"),
    path("login/", views.LoginView.as_view(), name="login"),
    # Log-out is a POST (the button in every page's header); a GET goes to a page with it.
    path(
        "logout/",
        form_lives_on(lambda: reverse("groups:dashboard"))(auth_views.LogoutView.as_view()),
        name="logout",
    ),
    path("profile/", views.profile, name="profile"),
    path("profile/calendar/reset/", views.calendar_reset, name="calendar_reset"),
    path(
        "password/change/",
        auth_views.PasswordChangeView.as_view(
            template_name="accounts/form_page.html",
            success_url=reverse_lazy("accounts:profile"),
            extra_context={"title": "Change your password", "submit": "Change password"},
        ),
        name="password_change",
    ),
    path(
        "password/reset/",
        views.PasswordResetView.as_view(
            template_name="accounts/form_page.html",
            email_template_name="accounts/password_reset_email.txt",
            subject_template_name="accounts/password_reset_subject.txt",
            success_url=reverse_lazy("accounts:password_reset_done"),
            extra_context={
                "title": "Reset your password",
                "intro": "Enter the e-mail address of your account and we will send a link "
                "to choose a new password.",
                "submit": "Send the link",
            },
        ),
        name="password_reset",
    ),
    path(
        "password/reset/sent/",
        auth_views.PasswordResetDoneView.as_view(
            template_name="accounts/message_page.html",
            extra_context={
                "title": "Check your e-mail",
                "message": "If an account uses that address, a link to choose a new password "
                "is on its way. It works once, for a limited time.",
            },
        ),
        name="password_reset_done",
    ),
    path(
        "password/reset/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(
            template_name="accounts/password_reset_confirm.html",
            success_url=reverse_lazy("accounts:password_reset_complete"),
        ),
        name="password_reset_confirm",
    ),
    path(
        "password/reset/done/",
        auth_views.PasswordResetCompleteView.as_view(
            template_name="accounts/message_page.html",
            extra_context={
                "title": "Password changed",
                "message": "Your new password is set. You can log in with it now.",
                "link": reverse_lazy("accounts:login"),
                "link_text": "Log in",
            },
        ),
        name="password_reset_complete",
    ),
]
