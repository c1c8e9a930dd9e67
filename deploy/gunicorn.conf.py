"""gunicorn's settings for Kodeverk: `gunicorn --config deploy/gunicorn.conf.py --bind ADDRESS planner.wsgi`.

gunicorn reads the number of workers from WEB_CONCURRENCY and the proxies it trusts for X-Forwarded-Proto
from FORWARDED_ALLOW_IPS (deploy/kodeverk-web.service sets both). Its own records (worker boots, timeouts)
go through the app's LOGGING, so they are the same JSON lines on stdout as the app's.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from planner.settings import LOGGING  # noqa: E402  (after the path: gunicorn runs from its own bin folder)

# A worker that answers nothing for this long is killed and replaced; a request that needs longer is
# work for the task worker.
timeout = 60
# Workers are replaced now and then (at a random count, not all at once), so memory cannot creep.
max_requests = 2000
max_requests_jitter = 200
# systemd signals reload and stop; no control socket in the service user's home.
control_socket_disable = True
# The app logs one line per request itself (planner/logs.py), with its id, user and duration.
accesslog = None
# gunicorn keeps its records to itself (propagate off) unless told otherwise.
logconfig_dict = {**LOGGING, "loggers": {**LOGGING["loggers"], "gunicorn.error": {"level": "INFO", "propagate": True}}}
