"""Review by theme: every quote of a theme with filters, grouped by county, the theme summary and
county notes written in place, and the lead's key quotes. The report was written from these."""

import re
from itertools import groupby

from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import connection
from django.db.models import Count, Exists, F, OuterRef, Prefetch, Q
from django.db.models.functions import Greatest, Least, Substr
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from coding.access import counts_blind_coding_of, study_for_codebook_manager, study_for_coder, study_for_reader
from coding.forms import CollectionFilterForm, KeyQuoteForm, SummaryReviewForm, ThemeSummaryForm
from coding.models import Coding, Excerpt, ThemeSummary
from coding.quotes import (
    children_of,
    codebook_order,
    internal_attribution,
    language_of,
    read_quotes,
    selected_codings,
    selected_excerpts,
    spoken_by,
    sub_themes_of,
)
from coding.services import ConflictError, excerpt_update, summary_for, summary_review, summary_save
from coding.templatetags.places import place_url
from planner.models import Chunk, Document, Membership
from planner.textindex import OVERLAP

QUOTES_PER_PAGE = 50


@login_required
@require_GET
def theme_collections(request, slug):
    """The themes in codebook order with their number of quotes (sub-themes included) and summary."""
    project, membership = study_for_reader(request, slug)
    themes = codebook_order(list(project.themes.in_codebook_order(archived_last=True)))
    children = children_of(themes)
    quotes = {}  # theme id -> {excerpt id: is key}
    for theme_id, excerpt_id, is_key in Coding.objects.filter(theme__project=project).settled().values_list(
            "theme_id", "excerpt_id", "excerpt__is_key"):
        quotes.setdefault(theme_id, {})[excerpt_id] = is_key
    summaries = {(s.theme_id, s.county_id): s for s in ThemeSummary.objects.filter(project=project).select_related(
        "updated_by")}
    for theme in themes:
        collected = {}
        for member in [theme, *sub_themes_of(children, theme)]:
            collected.update(quotes.get(member.pk, {}))
        theme.excerpt_count, theme.key_count = len(collected), sum(collected.values())
        theme.summary = summaries.get((theme.pk, None))
        theme.note_count = sum(1 for theme_id, county_id in summaries if theme_id == theme.pk and county_id)
    return render(request, "coding/collection_list.html", {"project": project, "membership": membership,
                                                           "themes": themes})


def _quotes(project, theme_ids, data, *, with_blind=False):
    """The filtered quotes of the themes, as a sequence of their ids for the Paginator: in county order («no
    county» last), then document and place.

    How many quotes each document holds is counted first, from the codings alone unless a filter needs
    the excerpts; a page then reads the ids of the few documents it reaches. Reading every quote's
    place to order them all (14,771 for a main theme at bench scale 1) was most of the page's time.
    """
    selection = {"theme_ids": theme_ids, "counties": [data.get("county")], "sources": data.get("sources") or "",
                 "key_only": bool(data.get("key")), "coder": data.get("coder") or "", "with_blind": with_blind}

    def excerpts(document_ids=None):
        found = selected_excerpts(project, **selection, document_ids=document_ids)
        # Of the speaker, so only transcript quotes can match.
        found = spoken_by(found, role=data.get("role") or "", field=data.get("field") or "")
        return found.filter(_holds_text(data["q"])) if data.get("q") else found

    if data.get("role") or data.get("field") or data.get("q"):
        counted = excerpts().values("document_id").annotate(n=Count("pk"))
    else:
        counted = selected_codings(project, **selection).values("document_id").annotate(
            n=Count("excerpt_id", distinct=True))
    counts = dict(counted.order_by().values_list("document_id", "n"))
    # Documents are ranked here, not by the database: thousands of rows sorted by county name and
    # title under the database's collation cost more than ranking the study's documents once and
    # moving each document's run of rows, already in place order, to its rank (a stable sort).
    documents = Document.objects.filter(project=project).order_by(
        F("county__name").asc(nulls_last=True), "title", "pk").values_list("pk", flat=True)
    return QuoteIds(excerpts, [(pk, counts[pk]) for pk in documents if counts.get(pk)])


class QuoteIds:
    """Quote ids in page order, read a slice at a time: `documents` are (id, number of quotes) in rank order,
    `excerpts(document_ids)` the quotes of some of them."""

    def __init__(self, excerpts, documents):
        self.excerpts, self.documents = excerpts, documents

    def count(self):
        return sum(n for _pk, n in self.documents)

    def __len__(self):
        return self.count()

    def __getitem__(self, index):
        if not isinstance(index, slice) or index.step not in (None, 1):
            raise TypeError("QuoteIds are read by slices")
        start, stop, _step = index.indices(self.count())
        reached, before, seen = [], None, 0
        for pk, n in self.documents:
            if seen + n > start and seen < stop:
                reached.append(pk)
                before = seen if before is None else before
            seen += n
        if not reached:
            return []
        # Straight from the cursor: values_list() spends longer on many rows than the query.
        sql, params = self.excerpts(reached).order_by("document_id", "start", "end", "pk").values_list(
            "document_id", "pk").query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        rank = {pk: index for index, pk in enumerate(reached)}
        ids = [pk for _document, pk in sorted(rows, key=lambda row: rank[row[0]])]
        return ids[start - before:stop - before]


def _holds_text(text):
    """The quote holds `text`, case-insensitively; read from the search chunks, not from the documents.

    Cutting every quote out of its document costs a read (on PostgreSQL a decompression) of
    the text up to the quote, per quote; a chunk is at most a few thousand characters. An
    occurrence that starts in a chunk's own stretch lies whole in the chunk's text, which runs
    OVERLAP characters into the next one: the filter form keeps `text` that short. The escaped
    regular expression folds case beyond ASCII (ø, Æ) on both databases; SQLite's LIKE and
    LOWER() fold ASCII letters only.
    """
    low, high = Greatest(OuterRef("start"), F("start")), Least(OuterRef("end"), F("end") + OVERLAP)
    pieces = Chunk.objects.filter(document=OuterRef("document_id"), start__lt=OuterRef("end"),
                                  end__gt=OuterRef("start"))
    return Exists(pieces.alias(piece=Substr("text", low - F("start") + 1, high - low)).filter(
        piece__iregex=re.escape(text)))


def _page_of_quotes(project, ids, sub_themes):
    """One page of quotes, each with its Quote (shown text, attribution), themes and link: a fixed number of queries."""
    page = Excerpt.objects.filter(pk__in=ids)
    excerpts = page.select_related("document__county", "coder").defer("document__text").prefetch_related(
        Prefetch("codings", queryset=Coding.objects.select_related("theme").order_by("theme__position")))
    place = {pk: index for index, pk in enumerate(ids)}
    excerpts = sorted(excerpts, key=lambda e: place[e.pk])
    quotes = read_quotes(page)
    language = language_of(get_language())
    links = {}
    for excerpt in excerpts:
        document = excerpt.document
        if document.pk not in links:
            links[document.pk] = reverse("coding:document_code", args=[project.slug, document.pk])
        excerpt.href = place_url(project.slug, document.pk, excerpt.start, excerpt.end, base=links[document.pk])
        excerpt.quote = quotes.get(excerpt.pk)
        excerpt.passage = excerpt.quote.text if excerpt.quote else ""
        excerpt.attribution = internal_attribution(excerpt.quote, language) if excerpt.quote else ""
        excerpt.sub_themes = [c.theme for c in excerpt.codings.all() if c.theme_id in sub_themes]
    return excerpts


def _coders(project):
    """Members, and former members who coded in the study, by user name."""
    # Exists per user, not «id IN (every coder of the study's excerpts)»: the users are few and
    # the excerpts many.
    users = get_user_model().objects.filter(
        Q(pk__in=Membership.objects.filter(project=project).values("user_id"))
        | Exists(Excerpt.objects.filter(coder=OuterRef("pk"), document__project=project)))
    return users.order_by("username").values_list("username", flat=True)


@login_required
@require_GET
def theme_collection(request, slug, theme_id):
    """Every quote of a theme and its sub-themes, filtered, grouped by county, a page at a time."""
    project, membership = study_for_reader(request, slug)
    themes = list(project.themes.all())
    theme = next((t for t in themes if t.pk == theme_id), None)
    if theme is None:
        raise Http404
    sub_themes = {t.pk: t for t in sub_themes_of(children_of(themes), theme)}
    form = CollectionFilterForm(request.GET, counties=project.counties.order_by("name"), coders=_coders(project))
    form.is_valid()  # an invalid filter is shown with its error and left out
    # Every id in order at once (a few thousand numbers): the count and the page need no more queries.
    coder = form.cleaned_data.get("coder") or ""
    quotes = _quotes(project, [theme.pk, *sub_themes], form.cleaned_data,
                     with_blind=counts_blind_coding_of(membership, coder, user=request.user))
    page = Paginator(quotes, QUOTES_PER_PAGE).get_page(request.GET.get("page"))
    page.object_list = _page_of_quotes(project, list(page.object_list), sub_themes)
    notes = {s.county_id: s for s in ThemeSummary.objects.filter(theme=theme).select_related(
        "updated_by", "reviewed_by")}
    groups = [{"county": county, "excerpts": list(items),
               "note": _box(project, theme, county, notes.get(county.pk)) if county else None}
              for county, items in groupby(page.object_list, key=lambda e: e.document.county)]
    return render(request, "coding/theme_collection.html", {
        "project": project, "membership": membership, "theme": theme, "sub_themes": sub_themes.values(),
        "form": form, "page": page, "groups": groups, "summary": _box(project, theme, None, notes.get(None)),
    })


def _dom_id(county):
    return f"note-{county.pk}" if county else "summary-theme"


def _box(project, theme, county, summary, **extra):
    """What _summary.html and _summary_form.html need of a theme summary (county None) or county note."""
    if county is None:
        name, args = "coding:theme_summary", [project.slug, theme.pk]
    else:
        name, args = "coding:county_note", [project.slug, theme.pk, county.pk]
    urls = {key: reverse(name + suffix, args=args) for key, suffix in [("show", ""), ("edit", "_edit"),
                                                                        ("review", "_review")]}
    return {"theme": theme, "county": county, "summary": summary, "urls": urls, "dom_id": _dom_id(county), **extra}


def _summary_target(access, request, slug, theme_id, county_id):
    project, membership = access(request, slug)
    theme = get_object_or_404(project.themes, pk=theme_id)
    county = get_object_or_404(project.counties, pk=county_id) if county_id is not None else None
    return project, membership, theme, county


def _render_box(request, project, membership, theme, county, **extra):
    box = _box(project, theme, county, summary_for(theme=theme, county=county), **extra)
    return render(request, "coding/_summary.html", {"project": project, "membership": membership, "box": box})


@login_required
@require_GET
def summary_show(request, slug, theme_id, county_id=None):
    """The summary (or county note) as it is saved: for «Cancel» in the editor."""
    project, membership, theme, county = _summary_target(study_for_reader, request, slug, theme_id, county_id)
    return _render_box(request, project, membership, theme, county)


@login_required
@require_http_methods(["GET", "POST"])
def summary_edit(request, slug, theme_id, county_id=None):
    """Write a theme summary or county note in place; a save over a colleague's newer one is refused."""
    project, membership, theme, county = _summary_target(study_for_coder, request, slug, theme_id, county_id)
    summary = summary_for(theme=theme, county=county)
    form = ThemeSummaryForm(request.POST or None, auto_id=f"{_dom_id(county)}-%s", initial={
        "text": getattr(summary, "text", ""), "version": getattr(summary, "version", 0)})
    message, theirs = None, None
    if request.method == "POST" and form.is_valid():
        try:
            summary_save(theme=theme, county=county, user=request.user, text=form.cleaned_data["text"],
                         version=form.cleaned_data["version"])
        except ConflictError as error:
            # Show their text and keep the user's, with the version just read: saving again is deliberate.
            message, theirs = str(error), summary_for(theme=theme, county=county)
            form = ThemeSummaryForm(auto_id=form.auto_id, initial={
                "text": form.cleaned_data["text"], "version": getattr(theirs, "version", 0)})
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return _render_box(request, project, membership, theme, county, message=_("Saved."))
    return render(request, "coding/_summary_form.html", {
        "project": project, "membership": membership, "form": form, "theirs": theirs,
        "box": _box(project, theme, county, summary, message=message, error=True)})


@login_required
@require_POST
def summary_review_view(request, slug, theme_id, county_id=None):
    """The project lead marks a summary or county note reviewed, or back to draft."""
    project, membership, theme, county = _summary_target(study_for_codebook_manager, request, slug, theme_id,
                                                         county_id)
    summary, form = summary_for(theme=theme, county=county), SummaryReviewForm(request.POST)
    message = None
    if summary is None:
        message = _("There is nothing to review yet.")
    elif not form.is_valid():
        message = _("The page was out of date. Read the summary again before you review it.")
    else:
        try:
            summary_review(summary=summary, user=request.user, reviewed=form.cleaned_data["reviewed"],
                           version=form.cleaned_data["version"])
        except ConflictError as error:
            message = str(error)
    return _render_box(request, project, membership, theme, county, message=message, error=bool(message))


@login_required
@require_POST
def excerpt_key(request, slug, excerpt_id):
    """The project lead marks or unmarks a key quote (recorded in the document's history)."""
    project, membership = study_for_codebook_manager(request, slug)
    excerpt = get_object_or_404(Excerpt.objects.of_study(project), pk=excerpt_id)
    form, message = KeyQuoteForm(request.POST), None
    if not form.is_valid():
        message = _("The page was out of date. Reload it and try again.")
    else:
        try:
            excerpt = excerpt_update(excerpt_id=excerpt.pk, user=request.user, version=form.cleaned_data["version"],
                                     is_key=form.cleaned_data["is_key"])
        except ConflictError as error:
            message = str(error)
            excerpt = Excerpt.objects.filter(pk=excerpt_id).first()
    return render(request, "coding/_key_toggle.html", {"project": project, "membership": membership,
                                                       "excerpt": excerpt, "excerpt_id": excerpt_id,
                                                       "message": message})
