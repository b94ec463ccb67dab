"""The technical design written out: Markdown (with a Mermaid diagram) or a self-contained
HTML page (with the diagram as inline SVG; no script, nothing fetched)."""
from django.template.loader import render_to_string

from design import diagram
from design.document import technical_design

FORMATS = {".md": "markdown", ".html": "html", ".htm": "html"}


def context(biller):
    doc = technical_design(biller)
    return {**doc, "mermaid": diagram.mermaid(doc["flows"]), "svg": diagram.svg(doc["flows"])}


def to_markdown(biller):
    return render_to_string("design/design.md", context(biller))


def to_html(biller):
    return render_to_string("design/standalone.html", context(biller))


def render(biller, kind):
    return to_markdown(biller) if kind == "markdown" else to_html(biller)
