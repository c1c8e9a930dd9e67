"""Double coding and agreement: set documents to blind double coding, the agreement report (page and
.xlsx), and the comparison of one document, where the lead settles disagreements and reveals the coding.

All of it is the project lead's (coding.access.study_for_codebook_manager, double_coding_for_lead).
"""

from fractions import Fraction

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from coding.access import double_coding_for_lead, study_for_codebook_manager
from coding.agreement import report_table, table_values
from coding.models import DoubleCoding, Settlement
from coding.services import (
    ConflictError,
    disagreement_settle,
    double_coding_coders,
    double_coding_reveal,
    double_coding_set,
    double_coding_stretches,
)
from planner.models import Membership
from planner.plan_io import CONTENT_TYPES
from planner.spreadsheets import add_sheet, new_workbook, xlsx_bytes
from planner.textindex import text_slice


def _coders_of(project):
    return get_user_model().objects.filter(memberships__project=project, memberships__role__in=[
        Membership.Role.LEAD, Membership.Role.ANALYST]).order_by("username")


class DoubleCodingForm(forms.Form):
    documents = forms.ModelMultipleChoiceField(label=_lazy("Documents"), queryset=None,
                                               widget=forms.CheckboxSelectMultiple)
    coders = forms.ModelMultipleChoiceField(label=_lazy("Coders"), queryset=None, to_field_name="username",
                                            widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, project, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["documents"].queryset = project.documents.without_text().order_by("kind", "title")
        self.fields["coders"].queryset = _coders_of(project)


@login_required
@require_http_methods(["GET", "POST"])
def double_coding_list(request, slug):
    """The study's double-coded documents, and the form that sets more."""
    project, membership = study_for_codebook_manager(request, slug)
    form = DoubleCodingForm(request.POST or None, project=project)
    if request.method == "POST" and form.is_valid():
        try:
            double_coding_set(project=project, documents=form.cleaned_data["documents"],
                              coders=form.cleaned_data["coders"], user=request.user)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The documents are double-coded blind now."))
            return redirect("coding:double_coding_list", slug=project.slug)
    double_codings = list(DoubleCoding.objects.filter(project=project).select_related("document")
                          .defer("document__text").prefetch_related("coders").order_by("document__title"))
    return render(request, "coding/double_coding_list.html", {
        "project": project, "membership": membership, "form": form, "double_codings": double_codings})


class AgreementForm(forms.Form):
    coders = forms.ModelMultipleChoiceField(label=_lazy("Coders"), queryset=None, to_field_name="username",
                                            widget=forms.CheckboxSelectMultiple)
    documents = forms.ModelMultipleChoiceField(label=_lazy("Documents"), queryset=None, required=False,
                                               widget=forms.CheckboxSelectMultiple)
    overlap = forms.IntegerField(label=_lazy("Segments: least overlap (%)"), min_value=0, max_value=100,
                                 required=False, initial=0)

    def __init__(self, *args, project, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["coders"].queryset = _coders_of(project)
        self.fields["documents"].queryset = project.documents.without_text().filter(
            double_coding__isnull=False).order_by("title")

    def clean_coders(self):
        coders = list(self.cleaned_data["coders"])
        if len(coders) < 2:
            raise ValidationError(_("Choose two coders or more."))
        return coders


def _table(request, project):
    form = AgreementForm(request.GET or None, project=project)
    if not form.is_valid():
        return form, None
    data = form.cleaned_data
    documents = [document.pk for document in data["documents"]] or None
    return form, report_table(project, data["coders"], documents, threshold=Fraction(data["overlap"] or 0, 100))


@login_required
@require_GET
def agreement_report(request, slug):
    """Agreement of two coders per theme and pooled, with what each figure means."""
    project, membership = study_for_codebook_manager(request, slug)
    form, table = _table(request, project)
    return render(request, "coding/agreement_report.html", {
        "project": project, "membership": membership, "form": form, "table": table,
        "download_query": request.GET.urlencode()})


@login_required
@require_GET
def agreement_xlsx(request, slug):
    project, _membership = study_for_codebook_manager(request, slug)
    form, table = _table(request, project)
    if table is None:
        return redirect(f"{reverse('coding:agreement_report', args=[project.slug])}?{request.GET.urlencode()}")
    workbook = new_workbook()
    add_sheet(workbook, "Samsvar", table_values(table, _("not applicable"), _("Pooled")), freeze="B2", widths=[40])
    add_sheet(workbook, "Dokumenter", [[_("Document")], *([title] for _pk, title in table.documents)])
    response = HttpResponse(xlsx_bytes(workbook), content_type=CONTENT_TYPES["xlsx"])
    response["Content-Disposition"] = content_disposition_header(True, f"samsvar-{project.slug}.xlsx")
    return response


def _pair(request, double_coding):
    """Coders A and B of the comparison: ?a= and ?b= (user names), else the first two named."""
    coders = double_coding_coders(double_coding)
    by_name = {coder.get_username(): coder for coder in coders}
    a = by_name.get(request.GET.get("a") or request.POST.get("a"), coders[0] if coders else None)
    b = by_name.get(request.GET.get("b") or request.POST.get("b"), coders[1] if len(coders) > 1 else None)
    if a is not None and a == b:
        b = next((coder for coder in coders if coder != a), None)
    return coders, a, b


def _pieces(text, start, coverage):
    """The stretch's text cut where a coder's coding begins or ends: (text, who) with who in both|a|b|none."""
    cuts = sorted({start, start + len(text), *(x for intervals in coverage for interval in intervals
                                               for x in interval)})
    pieces = []
    for a, b in zip(cuts, cuts[1:], strict=False):
        inside = [any(s <= a and b <= e for s, e in intervals) for intervals in coverage]
        who = "both" if all(inside) else "a" if inside[0] else "b" if inside[1] else "none"
        pieces.append((text[a - start:b - start], who))
    return pieces


@login_required
@require_GET
def double_coding_compare(request, slug, document_id):
    """Both coders' coding of one document, stretch by stretch in text order, disagreements marked."""
    project, membership, double_coding = double_coding_for_lead(request, slug, document_id)
    coders, a, b = _pair(request, double_coding)
    found = []
    if a is not None and b is not None:
        found, _excerpts = double_coding_stretches(double_coding, [a, b])
    themes = {theme.pk: theme for theme in project.themes.all()}
    settled = {(s.theme_id, s.start, s.end): s for s in Settlement.objects.filter(double_coding=double_coding)
               .select_related("kept_coder", "excerpt")}
    document = double_coding.document
    text = text_slice(document.pk, 0, document.length) if found else ""
    stretches = [{"stretch": stretch, "theme": themes[stretch.theme],
                  "pieces": _pieces(text[stretch.start:stretch.end], stretch.start, stretch.coverage),
                  "settlement": settled.get((stretch.theme, stretch.start, stretch.end))} for stretch in found]
    return render(request, "coding/double_coding_compare.html", {
        "project": project, "membership": membership, "double_coding": double_coding, "document": document,
        "coders": coders, "a": a, "b": b, "stretches": stretches,
        "disagreements": sum(not item["stretch"].agreed for item in stretches),
        "unsettled": sum(not item["stretch"].agreed and item["settlement"] is None for item in stretches)})


def _compare_url(project, double_coding, a, b):
    query = f"?a={a.get_username()}&b={b.get_username()}" if a is not None and b is not None else ""
    return reverse("coding:double_coding_compare", args=[project.slug, double_coding.document_id]) + query


@login_required
@require_POST
def disagreement_settle_view(request, slug, document_id):
    """Keep A's coding, keep B's, or write a consensus excerpt, for one disagreement."""
    project, membership, double_coding = double_coding_for_lead(request, slug, document_id)
    coders, a, b = _pair(request, double_coding)
    theme = project.themes.filter(pk=_int(request.POST.get("theme"))).first()
    if theme is None:
        messages.error(request, _("Choose a theme."))
        return redirect(_compare_url(project, double_coding, a, b))
    start, end, choice = _int(request.POST.get("start")), _int(request.POST.get("end")), request.POST.get("choice")
    kept = {coder.get_username(): coder for coder in coders}.get(choice)
    consensus = None
    if choice == "consensus":
        consensus = (_int(request.POST.get("consensus_start"), start), _int(request.POST.get("consensus_end"), end))
    try:
        disagreement_settle(double_coding=double_coding, theme=theme, start=start, end=end, user=request.user,
                            kept_coder=kept, consensus=consensus)
        messages.success(request, _("The disagreement is settled."))
    except (ValidationError, ConflictError) as error:
        messages.error(request, " ".join(error.messages) if isinstance(error, ValidationError) else str(error))
    return redirect(_compare_url(project, double_coding, a, b) + f"#stretch-{theme.pk}-{start}")


@login_required
@require_POST
def double_coding_reveal_view(request, slug, document_id):
    """End the blind phase: the settled coding becomes the document's, and everyone sees it."""
    project, membership, double_coding = double_coding_for_lead(request, slug, document_id)
    try:
        result = double_coding_reveal(double_coding=double_coding, user=request.user)
    except ConflictError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Revealed: %(removed)s excerpts removed and %(trimmed)s changed by the "
                                    "settling; everyone sees the document's coding now.") % result)
    return redirect("coding:double_coding_compare", slug=project.slug, document_id=double_coding.document_id)


def _int(value, default=0):
    try:
        return int(value)
    except (TypeError, ValueError):
        return default
