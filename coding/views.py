"""Views of the codebook, search and coding."""

import dataclasses

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from coding import services
from coding.access import document_for_coder, study_for_coder, study_for_reader, study_for_register
from coding.forms import ExcerptForm, HitsCodeForm, SearchForm, WordListForm
from coding.frequencies import code_frequencies, word_frequencies
from coding.frequencies import xlsx as frequencies_xlsx
from coding.models import Change, Excerpt, SavedSearch
from coding.passages import extend, sentence_around
from coding.quotes import excerpts_with_passages, quote_start, quote_text, speech_span, theme_checkboxes
from coding.search import add_context, add_time_codes, search
from coding.services import ConflictError, excerpt_create
from planner.models import County, Document, Plan

RESULTS_PER_PAGE = 20  # documents


@login_required
@require_GET
def search_view(request, slug):
    project, membership = study_for_reader(request, slug)
    form = SearchForm(request.GET or None, project=project)
    results = []
    if form.is_valid() and form.cleaned_data["q"]:
        results = search(project=project, query=form.cleaned_data["q"], mode=form.cleaned_data["mode"] or "infix",
                         aa=form.cleaned_data["aa"], filters=form.filters(), time_codes=False)
    totals = {}
    for result in results:
        for label, n in result.term_counts.items():
            totals[label] = totals.get(label, 0) + n
    page = Paginator(results, RESULTS_PER_PAGE).get_page(request.GET.get("page"))
    add_time_codes(page.object_list, shown_only=True)
    add_context(page.object_list)
    return render(request, "coding/search.html", {
        "project": project, "membership": membership, "form": form, "results": results, "page": page,
        "code_form": HitsCodeForm(project=project) if membership.can_write and results else None,
        "totals": totals, "saved": project.saved_searches.all(), "hit_count": sum(totals.values()),
    })


@login_required
@require_GET
def search_document(request, slug, document_id):
    """Every hit of one document (the results page shows the first few)."""
    project, membership = study_for_reader(request, slug)
    document = get_object_or_404(Document.objects.without_text(), project=project, pk=document_id)
    form = SearchForm(request.GET or None, project=project)
    hits = []
    if form.is_valid():
        filters = dataclasses.replace(form.filters(), document=document)
        results = search(project=project, query=form.cleaned_data["q"], mode=form.cleaned_data["mode"] or "infix",
                         aa=form.cleaned_data["aa"], filters=filters)
        add_context(results, shown_only=False)
        hits = results[0].hits if results else []
    return render(request, "coding/_hits.html", {
        "project": project, "membership": membership, "hits": hits,
        "code_url": reverse("coding:hit_code", args=[project.slug, document.pk]),
        "open_url": reverse("coding:document_code", args=[project.slug, document.pk]), "doc": document,
    })


@login_required
@require_POST
def saved_search_create(request, slug):
    """Save the search as the form holds it (query, mode and filters); saving it again updates its filters."""
    project, _membership = study_for_coder(request, slug)
    form = SearchForm(request.POST, project=project)
    if not form.is_valid() or not form.cleaned_data["q"].strip():
        return redirect("coding:search", slug=project.slug)
    saved, _created = SavedSearch.objects.update_or_create(
        project=project, query=form.cleaned_data["q"].strip(), kind=form.cleaned_data["kind"],
        defaults={"params": form.params()}, create_defaults={"params": form.params(), "created_by": request.user})
    messages.success(request, _("The search was saved for the whole team."))
    return redirect(f"{reverse('coding:search', args=[project.slug])}?{saved.querystring()}")


@login_required
@require_POST
def saved_search_delete(request, slug, search_id):
    project, _membership = study_for_coder(request, slug)
    get_object_or_404(project.saved_searches, pk=search_id).delete()
    return redirect("coding:search", slug=project.slug)


@login_required
@require_POST
def saved_search_register(request, slug, search_id):
    """The lead shows a saved search as a column of the plan register, or takes it away."""
    project, _membership = study_for_register(request, slug)
    saved = get_object_or_404(project.saved_searches, pk=search_id)
    saved.in_register = request.POST.get("in_register") == "1"
    saved.save(update_fields=["in_register"])
    return redirect("coding:search", slug=project.slug)


@login_required
@require_POST
def hits_code(request, slug):
    """Code the hits of a search at once: a preview of what it makes, then the batch (one history entry)."""
    project, membership = study_for_coder(request, slug)
    search_form = SearchForm(request.POST, project=project)
    form = HitsCodeForm(request.POST, project=project)
    context = {"project": project, "membership": membership, "form": form}
    if search_form.is_valid() and form.is_valid():
        data = form.cleaned_data
        hits = data["hits"]
        if data["scope"] == "all":
            hits = [(r.document.pk, h.start, h.end) for r in search(
                project=project, query=search_form.cleaned_data["q"], mode=search_form.cleaned_data["mode"] or "infix",
                aa=search_form.cleaned_data["aa"], filters=search_form.filters(), time_codes=False) for h in r.hits]
        try:
            plan = services.hits_plan(project=project, hits=hits, themes=data["themes"], unit=data["unit"],
                                      checksums=data["checksums"] if data["scope"] != "all" else None)
            if request.POST.get("confirm"):
                context["change"] = services.hits_code(project=project, plan=plan, coder=request.user,
                                              query=search_form.cleaned_data["q"])
        except ValidationError as error:
            form.add_error(None, error)
        else:
            context.update(plan=plan, hit_count=len(hits), posted=[
                (name, values) for name, values in request.POST.lists()
                if name not in {"csrfmiddlewaretoken", "confirm"}])
    elif not search_form.is_valid():
        form.add_error(None, _("The search could not be read; search again."))
    return render(request, "coding/_hits_code.html", context)


@login_required
@require_POST
def hits_code_undo(request, slug, change_id):
    """Undo a batch of coded hits in one step."""
    project, membership = study_for_coder(request, slug)
    change = get_object_or_404(Change, project=project, pk=change_id, action=Change.Action.HITS_CODED)
    try:
        removed = services.hits_code_undo(change=change, user=request.user)
    except ConflictError as error:
        return render(request, "coding/_hits_code.html", {"project": project, "error": str(error)})
    return render(request, "coding/_hits_code.html", {"project": project, "removed": removed})


@login_required
@require_http_methods(["GET", "POST"])
def hit_code(request, slug, document_id):
    """Code the passage around a search hit: its sentence by default, grown by sentences on request."""
    project, membership, document = document_for_coder(request, slug, document_id)
    if request.method == "POST":
        form = ExcerptForm(request.POST, project=project)
        if request.POST.get("checksum", document.checksum) != document.checksum:
            # The text was corrected since the passage was proposed: its offsets may point at other words now.
            form.add_error(None, _("The text was corrected since this passage was proposed. Search again to code "
                                   "it on its new words."))
        elif form.is_valid():
            data = form.cleaned_data
            try:
                excerpt = excerpt_create(document=document, start=data["start"], end=data["end"],
                                         coder=request.user, themes=data["themes"], memo=data["memo"])
            except ValidationError as error:
                form.add_error(None, error)
            else:
                return render(request, "coding/_hit_coded.html", {
                    "excerpt": excerpt, "passage": quote_text(document, excerpt.start, excerpt.end, document.text),
                    "excerpt_page": document.page_at(excerpt.start)})
        start, end = _int(form.data.get("start")), _int(form.data.get("end"))
    hit = {key: _int((request.POST or request.GET).get(key)) for key in ("hit_start", "hit_end", "back", "forward")}
    if request.method == "GET":
        pdf = document.kind == Document.Kind.PLAN
        start, end = sentence_around(document.text, hit["hit_start"], max(hit["hit_start"], hit["hit_end"]), pdf=pdf)
        start, end = extend(document.text, start, end, backward=hit["back"], forward=hit["forward"], pdf=pdf)
        start, end = speech_span(document, start, end) or (start, end)  # the sentence within the speech
        form = ExcerptForm(initial={"start": start, "end": end}, project=project)
    shown = quote_start(document, start, end)
    chosen = {int(value) for value in form["themes"].value() or [] if str(value).isdigit()}
    template = "coding/hit_code.html" + ("#panel" if request.htmx else "")
    return render(request, template, {
        "project": project, "membership": membership, "document": document, "form": form, "hit": hit,
        "themes": theme_checkboxes(project, chosen),
        # The label a proposal starts on stays in the context; the marked text is the quote as it will read.
        "before": document.text[max(0, start - 300):shown], "passage": quote_text(document, start, end, document.text),
        "after": document.text[end:end + 300], "page": document.page_at(start),
    })


def _int(value, default=0):
    try:
        return max(0, int(value))
    except (TypeError, ValueError):
        return default


@login_required
@require_GET
def progress(request, slug):
    """How far the coding has come: per document the share of text in excerpts, per analyst their documents."""
    project, membership = study_for_reader(request, slug)
    documents = list(Document.objects.filter(project=project).without_text()
                     .select_related("county").order_by("kind", "county__name", "title"))
    spans, per_coder = {}, {}
    rows = Excerpt.objects.of_study(project).values_list("document_id", "start", "end",
                                                                            "coder__username")
    for document_id, start, end, coder in rows.order_by("document_id", "start"):
        spans.setdefault(document_id, []).append((start, end))
        counts = per_coder.setdefault(coder or "–", {})
        counts[document_id] = counts.get(document_id, 0) + 1
    titles = {d.pk: d.title for d in documents}
    for document in documents:
        covered = covered_length(spans.get(document.pk, []))
        document.excerpt_count = len(spans.get(document.pk, []))
        document.coverage = round(100 * covered / document.length) if document.length else 0
    coders = [{"name": name, "documents": sorted(((titles[d], n) for d, n in docs.items())),
               "total": sum(docs.values())} for name, docs in sorted(per_coder.items())]
    return render(request, "coding/progress.html", {"project": project, "membership": membership,
                                                    "documents": documents, "coders": coders})


def covered_length(spans):
    """Characters covered by at least one of the (start, end) spans, sorted by start."""
    total, reach = 0, 0
    for start, end in spans:
        if end > reach:
            total += end - max(start, reach)
            reach = end
    return total


@login_required
@require_GET
def plan_excerpts(request, slug, plan_id):
    """The excerpts coded from one plan's documents, for the plan page (loaded into it)."""
    project, membership = study_for_reader(request, slug)
    get_object_or_404(Plan, pk=plan_id, county__project=project)
    excerpts = excerpts_with_passages(Excerpt.objects.of_study(project).settled().filter(
        document__plan_id=plan_id))
    return render(request, "coding/_plan_excerpts.html", {"project": project, "excerpts": excerpts,
                                                          "show_plan": False})


@login_required
@require_GET
def county_excerpts(request, slug, county_id):
    """The excerpts coded from a county's plans, grouped by plan: the report's appendix 3 and 4."""
    project, membership = study_for_reader(request, slug)
    get_object_or_404(County, pk=county_id, project=project)
    excerpts = excerpts_with_passages(Excerpt.objects.settled().filter(
        document__project=project, document__county_id=county_id, document__kind=Document.Kind.PLAN))
    return render(request, "coding/_plan_excerpts.html", {"project": project, "excerpts": excerpts,
                                                          "show_plan": True})


WORDS_SHOWN = 300  # rows of the word list page; the .xlsx has every word


@login_required
@require_GET
def word_list(request, slug):
    """The words of the chosen documents: how often, in how many documents; as a page or .xlsx."""
    project, membership = study_for_reader(request, slug)
    form = WordListForm(request.GET or None, project=project)
    words = []
    if form.is_valid():
        data = form.cleaned_data
        words = word_frequencies(form.documents_chosen(project), min_length=data["min_length"] or 1,
                                 skip_stop_words=data["stop_words"], contains=data["contains"].strip())
        if request.GET.get("format") == "xlsx":
            return _xlsx_response(frequencies_xlsx([_("Word"), _("Occurrences"), _("Documents")],
                                                   [[w.word, w.count, w.documents] for w in words], _("Words")),
                                  f"ordliste-{project.slug}.xlsx")
    return render(request, "coding/word_list.html", {
        "project": project, "membership": membership, "form": form, "words": words[:WORDS_SHOWN],
        "word_count": len(words), "query": request.GET.urlencode()})


@login_required
@require_GET
def code_frequency(request, slug):
    """Excerpts per theme for each document, participant, or role and field; as a page or .xlsx."""
    project, membership = study_for_reader(request, slug)
    by = request.GET.get("by") if request.GET.get("by") in FREQUENCY_BY else "document"
    county = None
    if request.GET.get("county"):  # the matrix's drill-down: one county's documents
        county = get_object_or_404(project.counties, pk=_int(request.GET["county"]) or 0)
    table = code_frequencies(project, by, county)
    if request.GET.get("format") == "xlsx":
        headers = [str(FREQUENCY_BY[by]), *(theme.name for theme in table.themes), _("Total")]
        name = f"kodefrekvens-{by}-{project.slug}" + (f"-{slugify(county.name)}" if county else "")
        return _xlsx_response(frequencies_xlsx(headers, [[label, *counts, total] for label, counts, total
                                                         in table.rows], _("Code frequencies")), f"{name}.xlsx")
    return render(request, "coding/code_frequency.html", {
        "project": project, "membership": membership, "table": table, "by": by, "choices": FREQUENCY_BY.items(),
        "county": county, "county_query": f"&county={county.pk}" if county else ""})


FREQUENCY_BY = {"document": gettext_lazy("Document"), "participant": gettext_lazy("Participant"),
                "role": gettext_lazy("Role and field")}


def _xlsx_response(data, name):
    response = HttpResponse(data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = content_disposition_header(True, name)
    return response
