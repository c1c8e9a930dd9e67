"""Create a study, optionally from a template; running it again changes nothing."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.text import slugify

from planner.models import Membership, Plan, Project
from planner.services import membership_set, project_create, template_apply
from planner.studytemplates import TEMPLATES


class Command(BaseCommand):
    help = "Create a study (or bring an existing one up to its template) with a project lead."

    def add_arguments(self, parser):
        parser.add_argument("--name", required=True, help="Name of the study")
        parser.add_argument("--lead", required=True, help="User name of the project lead (must exist)")
        parser.add_argument("--template", choices=sorted(TEMPLATES), help="Study template to start from")
        parser.add_argument("--slug", help="Short name in addresses (default: made from the name)")

    def handle(self, *args, name, lead, template=None, slug=None, **options):
        user = get_user_model().objects.filter(username=lead).first()
        if user is None:
            raise CommandError(f"No user is called {lead!r}. Create it first (manage.py createsuperuser).")
        slug = slug or slugify(name)[:50]
        if not slug:
            raise CommandError(f"Cannot make a short name from {name!r}; give --slug.")
        with transaction.atomic():
            project = Project.objects.filter(slug=slug).first()
            if project is None:
                project = project_create(name=name, slug=slug, lead=user, template=template)
                verb = "Created"
            else:
                if template:
                    template_apply(project=project, key=template)
                membership_set(project=project, user=user, role=Membership.Role.LEAD)
                verb = "Updated"
        self.stdout.write(
            f"{verb} study {project.name!r} ({project.slug}): {project.themes.count()} themes, "
            f"{project.counties.count()} counties, {Plan.objects.filter(county__project=project).count()} plans;"
            f" lead {user.username}"
        )
