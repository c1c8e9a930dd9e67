#!/bin/sh
# manage.py as the services run it: as the kodeverk user, with their environment (/etc/kodeverk/env).
# Run as root:  /srv/kodeverk/deploy/manage.sh migrate
# Without that environment manage.py would run in development mode on a SQLite file of its own.
set -eu
exec runuser -u kodeverk -- sh -c \
    'set -a; . /etc/kodeverk/env; set +a; cd /srv/kodeverk && exec .venv/bin/python manage.py "$@"' manage.sh "$@"
