"""Helpers of the race tests: real threads on PostgreSQL, each with its own connection."""

import threading

import pytest
from django.db import connection


def postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("row locks are PostgreSQL's; SQLite serialises writers (IMMEDIATE transactions)")


def record(target, results, key, refusals):
    """Run `target` (in a thread of the test): results[key] is "ok", the message of a refusal (one of the
    exception classes `refusals`), or any other exception itself, for the test thread to report."""
    try:
        target()
        results[key] = "ok"
    except refusals as error:
        results[key] = " ".join(getattr(error, "messages", [str(error)]))
    except Exception as error:  # noqa: BLE001 (reported to the test thread)
        results[key] = error
    finally:
        connection.close()


def run_together(targets, refusals=(), timeout=15):
    """Run {key: target} each in a thread of its own at once; {key: "ok", a refusal's message or an error}."""
    results = {}
    threads = [threading.Thread(target=record, args=(target, results, key, refusals))
               for key, target in targets.items()]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)
    return results
