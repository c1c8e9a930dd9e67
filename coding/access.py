"""Who may see or change the codebook and the coding of a study.

Membership and roles are the planner's; this helper names the coding app's actions.
"""

from planner.access import LEAD, READ, WRITE, project_for_user


def study_for_reader(request, slug):
    return project_for_user(request, slug, need=READ)


def study_for_coder(request, slug):
    """Creating, changing and deleting excerpts: analysts and the lead."""
    return project_for_user(request, slug, need=WRITE)


def study_for_codebook_manager(request, slug):
    """Changing the codebook and marking reviews: the project lead only."""
    return project_for_user(request, slug, need=LEAD)
