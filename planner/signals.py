"""Signals other apps use to add their part of a study template (the codebook, for one)."""

from django.dispatch import Signal

# Sent inside the transaction that applies a template; kwargs: project, template.
template_applied = Signal()

# Sent by the plan register (its page and its files) for the columns other apps add; kwargs: project,
# plans. A receiver returns a list of planner.plan_io.RegisterColumn (the coding app: search counts).
register_columns = Signal()
