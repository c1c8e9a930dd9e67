"""Review views: the theme × county matrix, on the page and as .xlsx and .csv downloads."""

from html import escape
from urllib.parse import urlencode

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.formats import localize
from django.utils.http import content_disposition_header
from django.utils.safestring import mark_safe
from django.utils.translation import gettext, ngettext
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
        "table_rows": table_rows(result), "phone_list": phone_list(result),
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


# The table's rows and the phone's list per theme are written here rather than by template loops: a study's
# matrix has some 30 rows of 12 cells, twice, and the loops were a fifth of the page's time on SQLite
# (issue 15). Every value is escaped (html.escape, as Django's escape); tests/coding/test_matrix.py
# compares the markup with what the template loops made.


def _theme_name(row):
    theme = row.theme
    name = (f'<span class="swatch" style="--swatch: {escape(theme.colour)}" aria-hidden="true"></span>'
            f'{escape(theme.name)}')
    if theme.archived:
        name += f' <span class="badge">{escape(gettext("archived"))}</span>'
    return name


def table_rows(result):
    """The matrix's <tbody> rows: a theme with its cells and total, each number a link to its quotes."""
    lines = []
    for row in result.rows:
        pk = row.theme.pk
        parent = f' data-parent="matrix-row-{row.parent.theme.pk}"' if row.parent else ""
        muted = " muted" if row.theme.archived else ""
        fold = ""
        if row.children:
            controls = " ".join(f"matrix-row-{child.theme.pk}" for child in row.children)
            label = gettext("Sub-themes of «%(name)s»") % {"name": escape(row.theme.name)}
            fold = (f'<button type="button" class="matrix-fold small" aria-expanded="true" aria-controls="{controls}"'
                    f' hidden><span aria-hidden="true">▸</span><span class="visually-hidden">{label}</span></button>')
        cells = "".join(
            f'<td class="num matrix-cell" style="--level: {cell.shade}">'
            + (f'<a href="{escape(cell.href)}">{localize(cell.value)}</a>' if cell.value
               else '<span class="zero">0</span>') + "</td>" for cell in row.cells)
        total = f'<a href="{escape(row.href)}">{localize(row.total)}</a>' if row.total else "0"
        lines.append(
            f'<tr id="matrix-row-{pk}"{parent} class="depth-{row.depth}{muted}">'
            f'<th scope="row"><span class="indent" style="--depth: {row.depth}"></span>{fold}{_theme_name(row)}</th>'
            f'{cells}<td class="num matrix-total">{total}</td></tr>')
    return mark_safe("\n".join(lines))  # noqa: S308 - every value above is escaped


def phone_list(result):
    """The same numbers as a list per theme, for a phone: the counties with any under each."""
    sections = []
    for row in result.rows:
        pk = row.theme.pk
        total = "0"
        counties = ""
        if row.total:
            label = ngettext("%(n)s in all", "%(n)s in all", row.total) % {"n": localize(row.total)}
            total = f'<a href="{escape(row.href)}">{label}</a>'
            counties = '<ul class="matrix-list-counties">' + "".join(
                f'<li><a href="{escape(cell.href)}">{escape(cell.county.name)}</a> '
                f'<span class="num">{localize(cell.value)}</span></li>'
                for cell in row.cells if cell.value) + "</ul>"
        sections.append(
            f'<section class="matrix-list-theme depth-{row.depth}" aria-labelledby="matrix-list-{pk}">'
            f'<h2 id="matrix-list-{pk}">{_theme_name(row)} <span class="matrix-list-total">{total}</span></h2>'
            f"{counties}</section>")
    return mark_safe("\n".join(sections))  # noqa: S308 - every value above is escaped


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

