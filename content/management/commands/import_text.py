from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.text import slugify

from content.importer import ImportRefused, text_import
from content.models import StudyText
from content.textformat import TextFormatError


def pair(value: str) -> tuple[int, int]:
    question_id, _, position = value.partition("=")
    try:
        return int(question_id), int(position)
    except ValueError:
        raise ValueError(f"{value!r}: write QUESTION_ID=POSITION, e.g. 12=6") from None


class Command(BaseCommand):
    help = (
        "Import a study text from FILE (chapters, questions, reading list). Importing the "
        "same file again changes nothing; a corrected file updates the text in place. Every "
        "change is listed; a removal that answers, meetings or reading marks hang on is "
        "refused (exit status 1, nothing written) unless --allow-removals, which retires "
        "those parts instead of deleting them."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--slug", help="The text's slug; defaults to the file's name.")
        parser.add_argument("--title", help="The text's title (default: from the slug).")
        parser.add_argument(
            "--dry-run", action="store_true", help="Show the plan and write nothing."
        )
        parser.add_argument(
            "--allow-removals",
            action="store_true",
            help="Apply a plan that removes parts something hangs on: they are retired "
            "(kept with their discussion, out of the text's lists), never deleted.",
        )
        parser.add_argument(
            "--pair",
            action="append",
            type=pair,
            default=[],
            metavar="QUESTION_ID=POSITION",
            help="Keep a reworded question's id and discussion: question QUESTION_ID is the "
            "file's question number POSITION. Repeatable.",
        )
        parser.add_argument(
            "--if-missing",
            action="store_true",
            help="Only import when no text has this slug yet (what `make run` does: it never "
            "overwrites the admin's corrections).",
        )

    def handle(self, *args, file: Path, slug: str | None, title: str | None, **options):
        slug = slug or slugify(file.stem)
        if not slug:
            raise CommandError(f"{file}: cannot make a slug from the file name; pass --slug")
        if options["if_missing"] and StudyText.objects.filter(slug=slug).exists():
            self.stdout.write(f"“{slug}” is in the database already: not imported again.")
            return
        try:
            data = file.read_bytes()
        except OSError as exc:
            raise CommandError(f"{file}: {exc.strerror}") from None
        try:
            report = text_import(
                slug=slug,
                data=data,
                title=title,
                dry_run=options["dry_run"],
                allow_removals=options["allow_removals"],
                pairs=dict(options["pair"]),
            )
        except TextFormatError as exc:
            raise CommandError(f"{file}:{exc.line}: {exc.reason}; nothing was imported") from None
        except ImportRefused as refused:
            self.stdout.write("\n".join(refused.report.lines()))
            raise CommandError(
                "Refused: the removals above would take answers, meetings or marks with them. "
                "Nothing was imported. Pair reworded questions with --pair, or retire the "
                "parts with --allow-removals."
            ) from None
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write("\n".join(report.lines()))
        if report.refusals:  # a dry run of a plan that would be refused
            raise CommandError("This plan would be refused (see above); nothing was written.")
