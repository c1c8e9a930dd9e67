"""The excerpt panel's theme checkboxes, written in Python: every coding answers with the panel, and a
template loop over the whole codebook was a third of its rendering (issue 15)."""

from django import template
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe

register = template.Library()

CHECKED = mark_safe(" checked")


@register.filter
def theme_choices(themes):
    """One checkbox per theme ({"id", "name", "colour", "checked"}), ticked where the excerpt has it."""
    return format_html_join(
        "", '<label class="theme-choice"><input type="checkbox" name="themes" value="{}"{}> '
            '<span class="swatch" style="--swatch: {}"></span>{}</label>',
        ((theme["id"], CHECKED if theme["checked"] else "", theme["colour"], theme["name"]) for theme in themes))
