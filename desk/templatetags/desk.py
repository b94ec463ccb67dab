"""Template tags of the support desk: the admin home's dashboard and time formatting."""
from django import template

from desk.dashboard import dashboard

register = template.Library()


@register.inclusion_tag("admin/desk/dashboard.html", takes_context=True)
def support_dashboard(context):
    request = context["request"]
    return {**dashboard(request.user), "request": request}


@register.filter
def age(delta):
    """A timedelta as '3 d 4 h', '2 h 5 min' or '7 min'."""
    minutes = int(delta.total_seconds() // 60)
    days, hours = divmod(minutes // 60, 24)
    if days:
        return f"{days} d {hours} h"
    if hours:
        return f"{hours} h {minutes % 60} min"
    return f"{minutes} min"


@register.filter
def in_zone(value, zone):
    """An aware datetime in `zone` (a ZoneInfo) with the zone's name: '2025-01-15 21:24 PST'."""
    if value is None:
        return "-"
    return value.astimezone(zone).strftime("%Y-%m-%d %H:%M %Z")
