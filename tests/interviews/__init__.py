"""Tests of the interviews app."""

from django.db import connection


def skip_scan_statements():
    """The statements of interviews.models.speaking_pairs as a test sees them: the query, and on PostgreSQL the
    savepoint, the setting that turns the planner's JIT off and the release around it."""
    return 4 if connection.vendor == "postgresql" else 1
