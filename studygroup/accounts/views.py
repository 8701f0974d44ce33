from typing import Any

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import SetPasswordForm
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.urls import reverse
from django_htmx.http import trigger_client_event

from studygroup.core.http import confirm_first, form_lives_on, safe_next
from studygroup.core.ratelimit import limited

from .forms import ProfileForm, SignupForm, ThrottledLoginForm, forget_login_failures
from .http import AuthenticatedHttpRequest
from .models import User, new_calendar_token
from .sessions import BACKEND


def signup(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("groups:dashboard")
    if request.method == "POST" and (refused := limited(request, "signup")):
        return refused
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        login(request, user, backend=BACKEND)
        messages.success(request, f"Welcome, {user.name}.")
        return redirect(safe_next(request, reverse("groups:dashboard")))
    return render(request, "accounts/signup.html", {"form": form, "next": safe_next(request, "")})


class LoginView(auth_views.LoginView):
    form_class = ThrottledLoginForm
    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def form_valid(self, form: ThrottledLoginForm) -> HttpResponse:  # type: ignore[override]
        response = super().form_valid(form)
        if getattr(self.request, "htmx", False):
            # The in-place log-in of accounts/drafts.py: the page stays as it is (the
            # member's text in its form) and takes the new CSRF token log-in made.
            logged_in = HttpResponse(status=204)
            return trigger_client_event(
                logged_in, "studygroup:logged-in", {"csrf": get_token(self.request)}
            )
        return response

    def form_invalid(self, form: ThrottledLoginForm) -> HttpResponse:  # type: ignore[override]
        if getattr(self.request, "htmx", False):
            return render(self.request, "accounts/login.html#inline", {"form": form})
        response = super().form_invalid(form)
        if form.has_error("__all__", "throttled"):
            response.status_code = 429
            response["Retry-After"] = str(form.retry_after)
        return response


class PasswordResetView(auth_views.PasswordResetView):
    """Django's reset, with a limit on how many e-mails one address can trigger."""

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return limited(request, "password_reset") or super().post(request, *args, **kwargs)


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """Django's new-password page; the account's failed log-ins are forgotten with the old
    password, so its owner can log in at once."""

    def form_valid(self, form: SetPasswordForm[User]) -> HttpResponse:
        forget_login_failures(form.user.get_username())
        return super().form_valid(form)


@login_required
def profile(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Your profile is saved.")
        return redirect("accounts:profile")
    return render(request, "accounts/profile.html", {"form": form})


@login_required
@form_lives_on(lambda: reverse("accounts:profile"))
def calendar_reset(request: AuthenticatedHttpRequest) -> HttpResponse:
    if asking := confirm_first(
        request,
        title="Make a new calendar address?",
        message="Calendars subscribed to the old address stop getting your meetings: "
        "subscribe again with the new one.",
        submit="Make a new address",
        back=reverse("accounts:profile"),
    ):
        return asking
    request.user.calendar_token = new_calendar_token()
    request.user.save(update_fields=["calendar_token"])
    messages.success(request, "Your calendar has a new address; the old one no longer works.")
    return redirect("accounts:profile")
