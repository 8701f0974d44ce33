from django.core.management.base import BaseCommand, CommandError, CommandParser

from content.importer import text_export
from content.models import StudyText


class Command(BaseCommand):
    help = "Print a study text in the format import_text reads."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug")

    def handle(self, *args, slug: str, **options):
        text = StudyText.objects.filter(slug=slug).first()
        if text is None:
            raise CommandError(f"no study text with the slug “{slug}”")
        self.stdout.write(text_export(text), ending="")
