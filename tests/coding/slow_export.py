"""A test hook (KODEVERK_EXPORT_STEP_HOOK) for a worker process: an export that takes 0.4 s per quote,
so that a test can kill its worker or its database connection half-way. Never set in production."""

import time

from coding.exports import word

word.PROGRESS_STEP = 1  # a progress report, and so a step, at every quote instead of every 250th

SECONDS_PER_QUOTE = 0.4


def step(done, total):
    time.sleep(SECONDS_PER_QUOTE)
