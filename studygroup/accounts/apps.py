from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "studygroup.accounts"
    label = "accounts"
