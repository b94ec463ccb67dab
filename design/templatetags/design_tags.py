from django import template

register = template.Library()


@register.filter
def cell(value):
    """A Markdown table cell: no pipe or line break may end the cell early."""
    text = "" if value is None else str(value)
    return " ".join(text.replace("|", "\\|").split()) or " "


@register.filter
def code(value):
    """Inline Markdown code, or nothing for an empty value."""
    text = "" if value is None else str(value)
    if not text:
        return ""
    fence = "``" if "`" in text else "`"
    return f"{fence}{cell(text)}{fence}"
