"""Participants in the app: the list with the report's method table, a participant's page where the lead
edits and merges, and assigning transcript turns to participants."""

from collections import Counter
from html import escape

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count, F, Func, OuterRef, Subquery
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from interviews.access import participant_for, study_for_reader, transcript_for_assigner
from interviews.forms import ParticipantForm, ParticipantMergeForm, TurnAssignForm
from interviews.models import (
    INFORMANT_ROLES,
    Interview,
    InterviewFormat,
    Participant,
    ParticipantField,
    ParticipantRole,
    SpeakerChange,
    Turn,
    label_order,
    speaking_pairs,
)
from interviews.rows import url_maker
from interviews.services import participant_update, participants_merge, turns_assign
from planner.access import LEAD
from planner.collation import name_key
from planner.models import Document

# The method table's columns: the report counts informants of group interviews and of workshops.
TABLE_FORMATS = (InterviewFormat.GROUP_INTERVIEW, InterviewFormat.WORKSHOP)
# Column names; the Norwegian ones hold soft hyphens, so that three counts fit beside a row name on a phone.
TABLE_COLUMNS = (gettext_lazy("Group interviews"), gettext_lazy("Workshops"))


@login_required
@require_GET
def participant_list(request, slug):
    project, membership = study_for_reader(request, slug)
    # Rows of values, not model instances: some 1,300 in a study of 220 interviews (issue 15).
    participants = sorted(Participant.objects.filter(project=project).values_list(
        "pk", "label", "role", "field", "field_other", "county__name", "erased_at", named=True),
        key=lambda p: label_order(p.label))
    spoke = spoken_in(project)
    return render(request, "interviews/participant_list.html", {
        "project": project, "membership": membership, "participants": participants,
        "rows": participant_rows(project, participants, spoke, lead=membership.is_lead),
        "method": method_table(project, participants, spoke),
    })


def participant_rows(project, participants, spoke, *, lead):
    """The list's rows as HTML, made here rather than in the template: there each row cost three URL
    reversals, two translations and the display lookups, 0.3 ms a row; a study of 220 interviews has some
    1,300 participants (issue 15). `participants` are participant_list's rows, `spoke` is spoken_in's answer.
    Every value is escaped (html.escape, as Django's escape)."""
    detail = url_maker("interviews:participant_detail", project.slug)
    export = url_maker("coding:participant_data_export", project.slug)
    erase = url_maker("coding:participant_erase", project.slug)
    roles = {key: escape(str(label)) for key, label in ParticipantRole.choices}
    fields = {key: escape(str(label)) for key, label in ParticipantField.choices}
    export_text, delete_text, deleted = escape(_("Export")), escape(_("Delete")), escape(_("deleted"))
    # Escaped, then given the escaped label: the same as escaping the whole (html.escape maps each character).
    export_label, delete_label = escape(_("Export the data of %(label)s")), escape(_("Delete the data of %(label)s"))
    rows = []
    for p in participants:
        label = escape(p.label)
        field = escape(p.field_other) if p.field == ParticipantField.OTHER and p.field_other else fields.get(
            p.field, escape(p.field))
        county = escape(p.county__name) if p.county__name else "–"
        turns, documents = spoke.get(p.pk, (0, ()))
        row = (f'<tr><th scope="row"><a href="{detail(p.pk)}">{label}</a></th>'
               f'<td>{roles.get(p.role, escape(p.role))}</td><td>{field}</td><td>{county}</td>'
               f'<td class="num">{len(documents)}</td><td class="num">{turns}</td>')
        if lead:
            if p.erased_at:
                removal = f'<span class="muted">{deleted}</span>'
            else:
                removal = (f'<a href="{erase(p.pk)}" class="danger" '
                           f'aria-label="{delete_label % {"label": label}}">{delete_text}</a>')
            row += (f'<td class="row-actions"><a href="{export(p.pk)}" '
                    f'aria-label="{export_label % {"label": label}}">{export_text}</a> {removal}</td>')
        rows.append(row + "</tr>")
    return mark_safe("\n  ".join(rows))  # noqa: S308 - every value above is escaped


def spoken_in(project) -> dict[int, tuple[int, set[int]]]:
    """{participant id: (number of turns, ids of the transcripts they speak in)} for the study's participants who
    speak. Two reads, neither a join grouped by every participant column (74–249 ms on SQLite with 45,000
    turns): the turns counted per participant from the (participant, document) index, the participants named
    in a subquery (joined, SQLite read the whole index and PostgreSQL each turn's row); and the transcripts by
    the skip scan of speaking_pairs. Grouped by participant and document in one statement, PostgreSQL sorted
    the study's 140,000 turns again within each participant (issue 15)."""
    documents = {}
    for participant_id, document_id in speaking_pairs(project.pk):
        documents.setdefault(participant_id, set()).add(document_id)
    # Each participant's turns counted in a subquery of its own, from the (participant) index: grouping the
    # study's 140,000 turns in one hash took twice as long on both databases (31 against 15 ms on PostgreSQL).
    # COUNT of the indexed column, not COUNT(*): without an aggregate Django adds no GROUP BY, which made
    # PostgreSQL group each participant's rows again.
    count = Turn.objects.filter(participant=OuterRef("pk")).order_by().values(
        n=Func("participant", function="COUNT"))
    turns = Participant.objects.filter(project=project).order_by().annotate(n=Subquery(count)).values_list("pk", "n")
    return {participant_id: (n, documents.get(participant_id, set())) for participant_id, n in turns if n}


def method_table(project, participants, spoke):
    """The report's method table: informants per county, role and field, in group interviews and in workshops.

    A person is counted once per column they spoke in, and once in «people», however many
    interviews they took part in: someone in both a group interview and a workshop is one person.
    One query (the format of each interview); the participants and where they spoke come from the caller.
    """
    format_of = dict(Interview.objects.filter(document__project=project, format__in=TABLE_FORMATS).values_list(
        "document_id", "format"))
    # Informants alike in county, role, field and where they spoke are counted together, then summed per
    # section: a study of 220 interviews has some 1,300 participants and a few dozen such kinds.
    kinds = Counter()
    for participant in participants:
        if participant.role not in INFORMANT_ROLES:
            continue
        spoke_in = {format_of[d] for d in spoke.get(participant.pk, (0, ()))[1] if d in format_of}
        if spoke_in:
            other = participant.field_other if participant.field == ParticipantField.OTHER else ""
            kinds[(participant.county__name or "", participant.role, (participant.field, other),
                   tuple(f in spoke_in for f in TABLE_FORMATS))] += 1
    sections = {"county": {}, "role": {}, "field": {}}
    totals = [0] * (len(TABLE_FORMATS) + 1)
    for (county, role, field, spoke_in), n in kinds.items():
        cells = [n * spoke for spoke in spoke_in] + [n]
        for section, key in (("county", county), ("role", role), ("field", field)):
            row = sections[section].setdefault(key, [0] * len(cells))
            sections[section][key] = [a + b for a, b in zip(row, cells, strict=True)]
        totals = [a + b for a, b in zip(totals, cells, strict=True)]
    roles, fields = list(ParticipantRole.values), list(ParticipantField.values)
    county_rows = sorted(sections["county"].items(), key=lambda item: (not item[0], name_key(item[0])))
    role_rows = sorted(sections["role"].items(), key=lambda item: roles.index(item[0]))
    field_rows = sorted(sections["field"].items(), key=lambda item: (fields.index(item[0][0]), name_key(item[0][1])))
    return {
        "formats": [str(name) for name in TABLE_COLUMNS],
        "sections": [
            {"title": _("County"), "rows": [(name or _("No county"), cells) for name, cells in county_rows]},
            {"title": _("Role"), "rows": [(ParticipantRole(code).label, cells) for code, cells in role_rows]},
            {"title": _("Field"), "rows": [(other or ParticipantField(code).label, cells)
                                           for (code, other), cells in field_rows]},
        ] if totals[-1] else [],
        "totals": totals,
    }


@login_required
@require_GET
def participant_detail(request, slug, participant_id):
    project, membership, participant = participant_for(request, slug, participant_id)
    return _detail(request, project, membership, participant)


def _detail(request, project, membership, participant, *, form=None, merge_form=None):
    """The participant's page; the lead's forms are bound when a write was refused (status 200)."""
    documents = (
        Document.objects.filter(turns__participant=participant).without_text().select_related("county", "interview")
        .annotate(turn_count=Count("turns")).order_by("title")
    )
    history = (
        SpeakerChange.objects.filter(project=project, after__participant=participant.pk).select_related("user")
        .annotate(document_title=F("document__title"))[:50]
    )
    if membership.is_lead:
        form = form or ParticipantForm(project=project, initial={
            "label": participant.label, "role": participant.role, "field": participant.field,
            "field_other": participant.field_other, "county": participant.county_id})
        merge_form = merge_form or ParticipantMergeForm(participant=participant)
    return render(request, "interviews/participant_detail.html", {
        "project": project, "membership": membership, "participant": participant, "documents": documents,
        "history": history, "form": form, "merge_form": merge_form,
    })


@login_required
@require_POST
def participant_edit(request, slug, participant_id):
    project, membership, participant = participant_for(request, slug, participant_id, need=LEAD)
    form = ParticipantForm(request.POST, project=project)
    if form.is_valid():
        try:
            participant = participant_update(participant=participant, user=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("«%(label)s» was saved.") % {"label": participant.label})
            return redirect("interviews:participant_detail", slug=project.slug, participant_id=participant.pk)
    return _detail(request, project, membership, participant, form=form)


@login_required
@require_POST
def participant_merge(request, slug, participant_id):
    project, membership, participant = participant_for(request, slug, participant_id, need=LEAD)
    form = ParticipantMergeForm(request.POST, participant=participant)
    if form.is_valid():
        target = form.cleaned_data["target"]
        try:
            moved = participants_merge(source=participant, target=target, user=request.user)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("«%(source)s» was merged into «%(target)s»: %(turns)s turns moved.") % {
                "source": participant.label, "target": target.label, "turns": moved})
            return redirect("interviews:participant_detail", slug=project.slug, participant_id=target.pk)
    return _detail(request, project, membership, participant, merge_form=form)


@login_required
@require_http_methods(["GET", "POST"])
def turn_assign(request, slug, document_id):
    project, membership, document = transcript_for_assigner(request, slug, document_id)
    participants = list(Participant.objects.filter(project=project, erased_at__isnull=True))
    form = TurnAssignForm(request.POST or None, participants=participants,
                          initial={"first": request.GET.get("first")})
    if request.method == "POST" and form.is_valid():
        first, last = form.positions()
        try:
            turns_assign(document=document, first=first, last=last, participant=form.target(), user=request.user)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Turns %(first)s–%(last)s now belong to «%(label)s».") % {
                "first": first + 1, "last": last + 1, "label": form.target().label})
            # Back where the work goes on: the next turn, ready to be the first of the next run.
            url = reverse("interviews:transcript_detail", args=[project.slug, document.pk])
            return redirect(f"{url}?first={last + 2}#turn-{last + 1}")
    return render(request, "interviews/turn_assign.html", {
        "project": project, "membership": membership, "document": document, "form": form})
