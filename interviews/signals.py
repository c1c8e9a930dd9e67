"""Signals other apps use to hear of the interviews' writes without the interviews app knowing them."""

from django.dispatch import Signal

# Sent inside the import's transaction when the lead asked to record the speakers' real names
# privately (the coding app keeps them on the study's watch list); kwargs: project, names (a
# list of (Participant, real name as found in the file)), source_name (the file's name).
speakers_named = Signal()

# Sent inside the merge's transaction just before the source participant is deleted, so that
# rows of other apps pointing at it (the watch list's recorded real names) can follow the person
# to the target instead of being deleted with it; kwargs: source, target (Participant).
participants_merged = Signal()
