"""Validators shared by the apps' models and forms: one home for each limit on what users type."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.formats import number_format
from django.utils.translation import gettext as _


def note_length(value):
    """Memos, theme summaries, county notes and plan notes: at most KODEVERK_MAX_NOTE_CHARS characters.

    A pasted document as a memo would make every page that shows it megabytes long.
    """
    limit = settings.KODEVERK_MAX_NOTE_CHARS
    if len(value) > limit:
        raise ValidationError(
            _("This text is %(length)s characters long; at most %(limit)s are allowed. Shorten it, or put the "
              "long text in a document of its own.")
            % {"length": number_format(len(value), force_grouping=True),
               "limit": number_format(limit, force_grouping=True)},
            code="note_too_long")
