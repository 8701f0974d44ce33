from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST, require_safe

from studygroup.ratelimit import limited

from . import services
from .forms import (
    DeleteAccountForm,
    ProfileForm,
    SignupForm,
    ThrottledLoginForm,
    forget_login_failures,
)
from .models import new_calendar_token


def safe_next(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


def signup(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("groups:dashboard")
    if request.method == "POST" and (refused := limited(request, "signup")):
        return refused
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, f"Welcome, {user.name}.")
        return redirect(safe_next(request, reverse_lazy("groups:dashboard")))
    return render(request, "accounts/signup.html", {"form": form, "next": safe_next(request, "")})


class LoginView(auth_views.LoginView):
    form_class = ThrottledLoginForm
    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def form_invalid(self, form):
        response = super().form_invalid(form)
        if form.has_error("__all__", "throttled"):
            response.status_code = 429
            response["Retry-After"] = str(form.retry_after)
        return response


class PasswordResetView(auth_views.PasswordResetView):
    """Django's reset, with a limit on how many e-mails one address can trigger."""

    def post(self, request, *args, **kwargs):
        return limited(request, "password_reset") or super().post(request, *args, **kwargs)


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """Django's new-password page; the account's failed log-ins are forgotten with the old
    password, so its owner can log in at once."""

    def form_valid(self, form):
        forget_login_failures(form.user.get_username())
        return super().form_valid(form)


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Your profile is saved.")
        return redirect("accounts:profile")
    return render(request, "accounts/profile.html", {"form": form})


@login_required
@require_POST
def calendar_reset(request: HttpRequest) -> HttpResponse:
    request.user.calendar_token = new_calendar_token()
    request.user.save(update_fields=["calendar_token"])
    messages.success(request, "Your calendar has a new address; the old one no longer works.")
    return redirect("accounts:profile")


@login_required
@require_safe
def export(request: HttpRequest) -> HttpResponse:
    """Everything the member wrote, as JSON or Markdown, to keep."""
    data = services.account_data(request.user)
    stamp = data["exported"][:10]
    if request.GET.get("format") == "md":
        response = HttpResponse(
            services.account_markdown(data), content_type="text/markdown; charset=utf-8"
        )
        name = f"studygroup-{request.user.username}-{stamp}.md"
    else:
        response = JsonResponse(data, encoder=DjangoJSONEncoder, json_dumps_params={"indent": 2})
        name = f"studygroup-{request.user.username}-{stamp}.json"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_required
def delete_account(request: HttpRequest) -> HttpResponse:
    form = DeleteAccountForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.account_delete(user=request.user, erase_posts=form.cleaned_data["erase_posts"])
        except services.AccountError as exc:
            form.add_error(None, str(exc))
        else:
            logout(request)
            messages.success(request, "Your account is deleted. Goodbye, and thank you.")
            return redirect("content:home")
    return render(request, "accounts/delete.html", {"form": form})
