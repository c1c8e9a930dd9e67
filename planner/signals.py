"""Signals other apps use to add their part of a study template (the codebook, for one)."""

from django.dispatch import Signal

# Sent inside the transaction that applies a template; kwargs: project, template.
template_applied = Signal()
