from django.apps import AppConfig


class GroupsConfig(AppConfig):
    name = "studygroup.groups"
    label = "groups"
    verbose_name = "Study groups"
