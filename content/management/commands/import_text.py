from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.text import slugify

from content.importer import text_import
from content.textformat import TextFormatError


class Command(BaseCommand):
    help = (
        "Import a study text from FILE (chapters, questions, reading list). Importing the "
        "same file again changes nothing; a corrected file updates the text in place."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--slug", help="The text's slug; defaults to the file's name.")
        parser.add_argument("--title", help="The text's title (default: from the slug).")

    def handle(self, *args, file: Path, slug: str | None, title: str | None, **options):
        slug = slug or slugify(file.stem)
        if not slug:
            raise CommandError(f"{file}: cannot make a slug from the file name; pass --slug")
        try:
            data = file.read_bytes()
        except OSError as exc:
            raise CommandError(f"{file}: {exc.strerror}") from None
        try:
            report = text_import(slug=slug, data=data, title=title)
        except TextFormatError as exc:
            raise CommandError(f"{file}:{exc.line}: {exc.reason}; nothing was imported") from None
        self.stdout.write(report.summary())
