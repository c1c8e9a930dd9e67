"""Participants and speaker turns of transcripts (filled by the Transcripts issue)."""
