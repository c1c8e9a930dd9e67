"""Review views: the theme × county matrix, on the page and as .xlsx and .csv downloads."""

from urllib.parse import urlencode

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from coding.access import counts_blind_coding_of, study_for_reader
from coding.review.matrix import COUNTS, ORDERS, SOURCES, WRITERS, file_name, matrix
from planner.plan_io import CONTENT_TYPES

DEFAULTS = {"count": "excerpts", "sources": "both", "coder": None, "county_order": "name"}


class MatrixForm(forms.Form):
    """The matrix's toggles. A missing or unknown value falls back to its default."""

    count = forms.ChoiceField(label=_("Count"), required=False, choices=COUNTS)
    sources = forms.ChoiceField(label=_("Sources"), required=False, choices=SOURCES)
    coder = forms.ModelChoiceField(label=_("Coder"), required=False, queryset=None, to_field_name="username",
                                   empty_label=_("All coders"))
    order = forms.ChoiceField(label=_("Counties"), required=False, choices=ORDERS)

    def __init__(self, *args, project, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["coder"].queryset = get_user_model().objects.filter(memberships__project=project).order_by(
            "username")

    def options(self):
        """The keyword arguments of matrix() the valid fields ask for."""
        self.is_valid()
        data = {name: value for name, value in self.cleaned_data.items() if value}
        if "order" in data:
            data["county_order"] = data.pop("order")
        return {**DEFAULTS, **data}


def _options(request, project):
    form = MatrixForm(request.GET, project=project)
    return form, form.options()


@login_required
@require_GET
def matrix_view(request, slug):
    """How much each theme has in each county, shaded; a cell opens the quotes behind it."""
    project, membership = study_for_reader(request, slug)
    form, options = _options(request, project)
    result = _with_links(matrix(project=project, **options,
                                with_blind=counts_blind_coding_of(membership, options["coder"], user=request.user)),
                         project)
    return render(request, "coding/matrix.html", {
        "project": project, "membership": membership, "form": form, "matrix": result,
        "count_label": COUNTS[result.count], "download_query": request.GET.urlencode(),
    })


def _with_links(result, project):
    """Each row's and cell's link to its quotes, and each cell's shade as CSS wants it (0.42, never 0,42).

    Made here rather than in the template: a study's matrix has hundreds of cells.
    """
    # What the quotes are filtered by besides theme and county; informants speak only in interviews.
    filters = {"sources": "interviews" if result.count == "informants" else result.sources}
    if result.coder is not None:
        filters["coder"] = result.coder.get_username()
    query = urlencode(filters)
    for row in result.rows:
        url = reverse("coding:theme_collection", args=[project.slug, row.theme.pk])
        row.href = f"{url}?{query}"
        for cell in row.cells:
            cell.href = f"{url}?county={cell.county.pk}&{query}"
            cell.shade = f"{cell.level:.2f}"
    return result


@login_required
@require_GET
def matrix_download(request, slug, fmt):
    """The numbers of the page, as a spreadsheet."""
    project, membership = study_for_reader(request, slug)
    _form, options = _options(request, project)
    result = matrix(project=project, **options,
                    with_blind=counts_blind_coding_of(membership, options["coder"], user=request.user))
    response = HttpResponse(WRITERS[fmt](result), content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = content_disposition_header(True, file_name(project, result, fmt))
    return response

