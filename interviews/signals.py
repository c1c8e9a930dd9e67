"""Signals other apps use to hear of the interviews' writes without the interviews app knowing them."""

from django.dispatch import Signal

# Sent inside the import's transaction when the lead asked to record the speakers' real names
# privately (the coding app keeps them on the study's watch list); kwargs: project, names (a
# list of (Participant, real name as found in the file)), source_name (the file's name).
speakers_named = Signal()
