"""Set up the demo study that `make run` serves, with a demo lead whose password is printed.

It lives in the coding app because the demo spans every app: study, interviews, coding.
"""

import secrets

from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.utils.text import slugify

from coding.demo import demo_excerpts_load
from interviews.demo import demo_interviews_load
from planner.models import Project

DEMO_USER = "demo"
DEMO_STUDY = "Fylkeskommunenes integreringsarbeid"


class Command(BaseCommand):
    help = "Create or refresh the demo study and the demo lead user (a new password each run)."

    def handle(self, *args, **options):
        User = get_user_model()
        user = User.objects.filter(username=DEMO_USER).first() or User(username=DEMO_USER)
        # A fresh random password each run: the demo database is local, and the password
        # is printed right here for the person who started it.
        password = secrets.token_urlsafe(9)
        user.set_password(password)
        user.save()
        call_command("create_study", name=DEMO_STUDY, lead=DEMO_USER, template="integrering", stdout=self.stdout)
        project = Project.objects.get(slug=slugify(DEMO_STUDY))
        documents = demo_interviews_load(project=project, user=user)
        self.stdout.write(f"Imported {len(documents)} fictional demo interviews.")
        self.stdout.write(f"Coded {demo_excerpts_load(project=project, user=user)} demo excerpts.")
        self.stdout.write(self.style.SUCCESS(
            f"\n  Demo study ready. Log in at http://127.0.0.1:8000/ as «{DEMO_USER}» with password «{password}»\n"
        ))
