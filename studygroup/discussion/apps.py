from django.apps import AppConfig


class DiscussionConfig(AppConfig):
    name = "studygroup.discussion"
    label = "discussion"
