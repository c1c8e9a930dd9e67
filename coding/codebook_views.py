"""Codebook management for the project lead: add, edit, nest, reorder, archive and merge themes."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from coding.access import study_for_codebook_manager, study_for_reader
from coding.forms import ThemeForm, ThemeMergeForm
from coding.quotes import codebook_order
from coding.services import theme_create, theme_merge, theme_move, theme_update


@login_required
@require_GET
def theme_list(request, slug):
    project, membership = study_for_reader(request, slug)
    themes = list(project.themes.annotate(excerpt_count=Count("codings")).in_codebook_order(archived_last=True))
    return render(request, "coding/theme_list.html", {
        "project": project, "membership": membership, "themes": codebook_order(themes),
        "active_count": sum(1 for t in themes if not t.archived),
    })


@login_required
@require_http_methods(["GET", "POST"])
def theme_create_view(request, slug):
    project, membership = study_for_codebook_manager(request, slug)
    form = ThemeForm(request.POST or None, project=project)
    if request.method == "POST" and form.is_valid():
        try:
            theme = theme_create(project=project, user=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The theme «%(name)s» was added.") % {"name": theme.name})
            return redirect("coding:theme_list", slug=project.slug)
    return render(request, "coding/theme_form.html", {"project": project, "membership": membership, "form": form})


@login_required
@require_http_methods(["GET", "POST"])
def theme_edit(request, slug, theme_id):
    project, membership = study_for_codebook_manager(request, slug)
    theme = get_object_or_404(project.themes, pk=theme_id)
    initial = {f: getattr(theme, f) for f in ("name", "description", "colour", "parent", "shortcut_key", "archived")}
    form = ThemeForm(request.POST or None, project=project, theme=theme, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            theme_update(theme=theme, user=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The theme «%(name)s» was saved.") % {"name": form.cleaned_data["name"]})
            return redirect("coding:theme_list", slug=project.slug)
    return render(request, "coding/theme_form.html", {"project": project, "membership": membership, "form": form,
                                                      "theme": theme})


@login_required
@require_POST
def theme_move_view(request, slug, theme_id):
    project, _membership = study_for_codebook_manager(request, slug)
    theme = get_object_or_404(project.themes, pk=theme_id)
    theme_move(theme=theme, user=request.user, step=-1 if request.POST.get("direction") == "up" else 1)
    return redirect(f"{reverse('coding:theme_list', args=[project.slug])}#theme-{theme.pk}")


@login_required
@require_http_methods(["GET", "POST"])
def theme_merge_view(request, slug):
    project, membership = study_for_codebook_manager(request, slug)
    form = ThemeMergeForm(request.POST or None, project=project, initial={"source": request.GET.get("source")})
    if request.method == "POST" and form.is_valid():
        source, target = form.cleaned_data["source"], form.cleaned_data["target"]
        try:
            theme_merge(source=source, target=target, user=request.user)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("«%(source)s» was merged into «%(target)s».") % {
                "source": source.name, "target": target.name})
            return redirect("coding:theme_list", slug=project.slug)
    return render(request, "coding/theme_merge.html", {"project": project, "membership": membership, "form": form})
