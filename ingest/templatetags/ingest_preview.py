from django import template

register = template.Library()


@register.filter
def percent(value):
    """`12.5` -> `+12.5 %`; None (no previous count or total) -> `n/a`."""
    if value is None:
        return "n/a"
    return f"{value:+.1f} %"
