"""Writes that touch several models of the study frame."""

from django.db import transaction
from django.db.models import ProtectedError
from django.utils.text import slugify

from planner.models import County, Membership, Plan, Project
from planner.signals import template_applied
from planner.studytemplates import TEMPLATES


def unique_slug(name):
    base = slugify(name)[:50] or "studie"
    slug, n = base, 2
    while Project.objects.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


@transaction.atomic
def project_create(*, name, lead, slug=None, description="", template=None):
    """Create a study with `lead` as its project lead, optionally from a template."""
    project = Project(name=name, slug=slug or unique_slug(name), description=description)
    project.full_clean()
    project.save()
    Membership.objects.create(project=project, user=lead, role=Membership.Role.LEAD)
    if template:
        template_apply(project=project, key=template)
    return project


@transaction.atomic
def template_apply(*, project, key):
    """Put the template's counties, plans and codebook into the study.

    Idempotent: rows are matched on their natural keys and updated, never duplicated, so
    running it twice leaves the study as running it once.
    """
    template = TEMPLATES[key]
    counties = {}
    for row in template.rows("counties.csv"):
        county, _ = County.objects.update_or_create(
            project=project,
            name=row["county"],
            defaults={
                "municipalities": int(row["municipalities"]),
                "district_municipalities": int(row["district_municipalities"]),
                "district_share": int(row["district_share_pct"]),
                "in_study": row["in_study"] == "yes",
                "reform_change": row["reform_change"],
            },
        )
        counties[county.name] = county
    for row in template.rows("plans.csv"):
        Plan.objects.update_or_create(
            county=counties[row["county"]],
            plan_type=row["plan_type"],
            title=row["title"],
            year=int(row["year"]),
            defaults={"status": row["status"], "notes": row["note"], "url": row.get("url", "")},
        )
    template_applied.send(sender=Project, project=project, template=template)
    return project


@transaction.atomic
def plan_create(*, county, plan_type, title, year, status=Plan.Status.ADOPTED, url="", notes=""):
    """Add a plan to the register of the county's study."""
    plan = Plan(county=county, plan_type=plan_type, title=title, year=year, status=status, url=url, notes=notes)
    plan.full_clean()
    plan.save()
    return plan


@transaction.atomic
def plan_update(*, plan, county, plan_type, title, year, status, url, notes):
    """Change every field of a plan."""
    plan.county, plan.plan_type, plan.title, plan.year = county, plan_type, title, year
    plan.status, plan.url, plan.notes = status, url, notes
    plan.full_clean()
    plan.save()
    return plan


class PlanInUseError(Exception):
    def __init__(self, documents):
        super().__init__(f"{documents} documents belong to the plan")
        self.documents = documents


@transaction.atomic
def plan_delete(*, plan):
    """Delete a plan that no document belongs to: deleting must never lose coded material."""
    # The row lock makes a document added meanwhile wait, and then fail on the missing plan.
    plan = Plan.objects.select_for_update().get(pk=plan.pk)
    try:
        plan.delete()
    except ProtectedError as error:  # Document.plan is PROTECT, and so should be whatever comes next
        raise PlanInUseError(plan.documents.count()) from error


@transaction.atomic
def membership_set(*, project, user, role):
    """Add the user to the study, or change their role."""
    membership, _ = Membership.objects.update_or_create(project=project, user=user, defaults={"role": role})
    return membership


class LastLeadError(Exception):
    pass


@transaction.atomic
def membership_change(*, membership, role=None, remove=False):
    """Change a member's role or remove them; a study always keeps at least one lead."""
    project = membership.project
    losing_lead = membership.is_lead and (remove or role != Membership.Role.LEAD)
    if losing_lead:
        leads = Membership.objects.select_for_update().filter(project=project, role=Membership.Role.LEAD)
        if leads.count() <= 1:
            raise LastLeadError
    if remove:
        membership.delete()
    else:
        membership.role = role
        membership.full_clean()
        membership.save(update_fields=["role"])
    return membership
