"""Taking your data away, and deleting your account."""

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_safe

from studygroup.accounts.http import AuthenticatedHttpRequest

from . import services
from .forms import DeleteAccountForm


@login_required
@require_safe
def export(request: AuthenticatedHttpRequest) -> HttpResponse:
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
def delete_account(request: AuthenticatedHttpRequest) -> HttpResponse:
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
    return render(request, "owndata/delete.html", {"form": form})
