"""The watch list of the anonymity check: the lead's page to see, add and remove names, and load municipalities.

Only the project lead sees it, since it can hold participants' real names.
"""


from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_POST

from coding.access import study_for_codebook_manager
from coding.models import WatchName
from coding.watchlist import (
    COUNTY_LIST_SOURCE,
    COUNTY_SOURCE,
    FORMER_MUNICIPALITY_SOURCE,
    IMPORT_SOURCE,
    MIN_LENGTH,
    MUNICIPALITY_SOURCE,
    municipalities,
    municipalities_load,
    watch_name_add,
    watch_name_remove,
)
from planner.collation import name_key

TEMPLATE = "coding/watchlist.html"


class WatchNameForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=WatchName.Kind.choices, initial=WatchName.Kind.OTHER)
    name = forms.CharField(
        label=gettext_lazy("Name"), max_length=WatchName._meta.get_field("name").max_length,
        min_length=MIN_LENGTH, strip=True,
        error_messages={
            "required": gettext_lazy("Enter the name to watch for."),
            "max_length": gettext_lazy("A name can have at most %(limit_value)d characters (it has %(show_value)d)."),
            "min_length": gettext_lazy("A name needs at least %(limit_value)d characters."),
        },
    )


def source_label(source):
    """The stored source in the user's language: the known ones are fixed strings, an import names its file."""
    if source == COUNTY_SOURCE:
        return _("County of the study")
    if source == MUNICIPALITY_SOURCE:
        return _("Municipalities, Statistics Norway (2024 division)")
    if source == COUNTY_LIST_SOURCE:
        return _("Counties since 2017, Statistics Norway")
    if source == FORMER_MUNICIPALITY_SOURCE:
        return _("Former municipalities, Statistics Norway (2017–2024)")
    if source.startswith(IMPORT_SOURCE):
        return _("Import of %(file)s") % {"file": source.removeprefix(IMPORT_SOURCE)}
    return source or _("Added by hand")


def _context(project, membership, form=None, notice=""):
    names = sorted(WatchName.objects.filter(project=project).select_related("participant"),
                   key=lambda watch_name: name_key(watch_name.name))
    for watch_name in names:
        watch_name.source_label = source_label(watch_name.source)
    headings = {"county": _("Counties"), "municipality": _("Municipalities"), "person": _("People"),
                "other": _("Other names")}
    groups = [
        {"kind": kind, "label": headings.get(kind, label), "names": [n for n in names if n.kind == kind]}
        for kind, label in WatchName.Kind.choices
    ]
    return {
        "project": project, "membership": membership, "form": form or WatchNameForm(), "groups": groups,
        "total": len(names), "municipality_count": len(municipalities()), "notice": notice,
    }


def _answer(request, project, membership, *, form=None, notice=""):
    """The list fragment for htmx, else back to the page (with the message) after a write."""
    if request.htmx:
        return render(request, TEMPLATE + "#watch-names", _context(project, membership, form, notice))
    if form is not None and form.errors:
        return render(request, TEMPLATE, _context(project, membership, form))
    messages.success(request, notice)
    return redirect("coding:watch_list", slug=project.slug)


@login_required
@require_GET
def watch_list(request, slug):
    project, membership = study_for_codebook_manager(request, slug)
    return render(request, TEMPLATE, _context(project, membership))


@login_required
@require_POST
def watch_name_add_view(request, slug):
    project, membership = study_for_codebook_manager(request, slug)
    form = WatchNameForm(request.POST)
    if form.is_valid():
        try:
            watch_name = watch_name_add(project=project, **form.cleaned_data)
        except ValidationError as error:
            form.add_error("name", error)
        else:
            return _answer(request, project, membership,
                           notice=_("«%(name)s» is on the watch list.") % {"name": watch_name.name})
    return _answer(request, project, membership, form=form)


@login_required
@require_POST
def watch_name_remove_view(request, slug, name_id):
    project, membership = study_for_codebook_manager(request, slug)
    watch_name = get_object_or_404(WatchName, project=project, pk=name_id)
    watch_name_remove(watch_name=watch_name)
    return _answer(request, project, membership,
                   notice=_("«%(name)s» was removed from the watch list.") % {"name": watch_name.name})


@login_required
@require_POST
def watch_municipalities_load(request, slug):
    project, membership = study_for_codebook_manager(request, slug)
    added = municipalities_load(project=project)
    notice = (ngettext("%(n)s municipality name was added.", "%(n)s municipality names were added.", added)
              % {"n": added} if added else _("All municipalities were already on the watch list."))
    return _answer(request, project, membership, notice=notice)
