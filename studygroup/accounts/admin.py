from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from .forms import ThrottledAdminLoginForm
from .models import User

# The admin's log-in page counts failures with ours.
admin.site.login_form = ThrottledAdminLoginForm


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ["username", "display_name", "email", "is_staff", "is_active", "last_login"]
    search_fields = ["username", "display_name", "email"]
    fieldsets = [
        *(DjangoUserAdmin.fieldsets or ()),  # never None there; typed as maybe
        ("studygroup", {"fields": ["display_name", "email_choice", "calendar_token"]}),
    ]
    add_fieldsets = [
        (
            None,
            {
                "classes": ["wide"],
                "fields": ["username", "display_name", "email", "password1", "password2"],
            },
        ),
    ]
    readonly_fields = ["calendar_token"]
