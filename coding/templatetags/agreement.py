"""The agreement report's figures as the page shows them: four decimals, or «not applicable»."""

from django import template
from django.utils.translation import gettext as _

from coding.agreement import decimal

register = template.Library()


@register.filter
def figure(value):
    shown = decimal(value)
    return _("not applicable") if shown is None else shown
