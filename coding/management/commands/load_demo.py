"""Set up the demo study that `make run` serves, with a demo lead whose password is printed.

It lives in the coding app because the demo spans every app: study, interviews, coding.
"""

import secrets
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.utils.text import slugify

from coding.demo import demo_excerpts_load
from interviews.demo import demo_interviews_load
from planner.models import Project

DEMO_USER = "demo"
DEMO_STUDY = "Fylkeskommunenes integreringsarbeid"


PASSWORD_FILE = "demo-password.txt"  # in DATA_DIR, beside the SQLite database


def password_file() -> Path:
    return Path(settings.DATA_DIR) / PASSWORD_FILE


def demo_password(*, reset: bool = False) -> str:
    """The demo lead's password: the one of the last run, kept in DATA_DIR, or a new random one.

    The demo database is local and the password is printed for the person who started it; keeping
    it lets a browser's saved login work from one `make run` to the next.
    """
    path = password_file()
    if not reset and path.is_file():
        kept = path.read_text(encoding="utf-8").strip()
        if kept:
            return kept
    password = secrets.token_urlsafe(9)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch(mode=0o600)
    path.write_text(password + "\n", encoding="utf-8")
    return password


class Command(BaseCommand):
    help = "Create or refresh the demo study and the demo lead user (the password stays unless --reset-password)."

    def add_arguments(self, parser):
        parser.add_argument("--reset-password", action="store_true",
                            help="Give the demo lead a new random password instead of the one of the last run")
        parser.add_argument("--url", default="http://127.0.0.1:8000/",
                            help="Where the server will answer, for the message (make run passes its PORT)")

    def handle(self, *args, reset_password=False, url="http://127.0.0.1:8000/", **options):
        User = get_user_model()
        user = User.objects.filter(username=DEMO_USER).first() or User(username=DEMO_USER)
        password = demo_password(reset=reset_password)
        if user.pk is None or not user.check_password(password):
            user.set_password(password)
            user.save()
        call_command("create_study", name=DEMO_STUDY, lead=DEMO_USER, template="integrering", stdout=self.stdout)
        project = Project.objects.get(slug=slugify(DEMO_STUDY))
        documents = demo_interviews_load(project=project, user=user)
        self.stdout.write(f"Imported {len(documents)} fictional demo interviews.")
        self.stdout.write(f"Coded {demo_excerpts_load(project=project, user=user)} demo excerpts.")
        self.stdout.write(self.style.SUCCESS(
            f"\n  Demo study ready. Log in at {url} as «{DEMO_USER}» with password «{password}»"
            f"{' (new)' if reset_password else ''}\n"
        ))
