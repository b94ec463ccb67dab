"""`manage.py design_doc --biller SLUG --out FILE`: the biller's technical design, generated
from its live configuration; Markdown or HTML by the file's extension (.md, .html)."""
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from billers.models import Biller
from design.render import FORMATS, render


class Command(BaseCommand):
    help = "Write a biller's technical design (Markdown or HTML, by the extension of --out)."

    def add_arguments(self, parser):
        parser.add_argument("--biller", required=True, help="the biller's slug")
        parser.add_argument("--out", default="-", help="FILE.md or FILE.html; '-' (the default) writes Markdown to stdout")

    def handle(self, *args, biller, out, **options):
        found = Biller.objects.filter(slug=biller).first()
        if found is None:
            raise CommandError(f"no biller with slug {biller!r}")
        if out == "-":
            self.stdout.write(render(found, "markdown"), ending="")
            return
        path = Path(out)
        kind = FORMATS.get(path.suffix.lower())
        if kind is None:
            raise CommandError(f"{out}: the file name must end with .md or .html")
        try:
            path.write_text(render(found, kind), encoding="utf-8")
        except OSError as exc:
            raise CommandError(f"{out}: {exc.strerror}") from None
        self.stdout.write(f"wrote {path} ({kind}) for {found.slug}")
