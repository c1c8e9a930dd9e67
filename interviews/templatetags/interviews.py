"""Template filters of the interviews app."""

from django import template

from interviews.models import format_seconds

register = template.Library()


@register.filter
def timecode(seconds):
    """00:14:32 for 872.4 seconds."""
    return format_seconds(seconds)
