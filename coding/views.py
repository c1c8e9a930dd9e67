"""Views of the codebook and coding."""

from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.shortcuts import render
from django.views.decorators.http import require_GET

from coding.access import study_for_reader


@login_required
@require_GET
def theme_list(request, slug):
    project, membership = study_for_reader(request, slug)
    themes = project.themes.select_related("parent").annotate(child_count=Count("children")).order_by(
        "archived", "position", "name"
    )
    return render(request, "coding/theme_list.html", {"project": project, "membership": membership,
                                                      "themes": themes})
