#!/usr/bin/env python
"""Django's command-line utility for Kodeverk."""

import os
import sys


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "planner.settings")
    # On a developer's machine (no SECRET_KEY set) manage.py runs in development mode.
    # Production sets SECRET_KEY, and then DEBUG stays off unless it is set explicitly.
    if not os.environ.get("SECRET_KEY"):
        os.environ.setdefault("DEBUG", "1")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
