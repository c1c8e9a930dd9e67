"""Memos on documents, participants, counties and the study: one list that searches and filters them by
author, kind and date, and a form that adds one."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from coding.access import study_for_reader
from coding.models import Memo
from coding.services import memo_create
from interviews.models import Participant
from planner.models import Document


class MemoFilterForm(forms.Form):
    q = forms.CharField(label=gettext_lazy("Search"), required=False)
    author = forms.ChoiceField(label=gettext_lazy("Author"), required=False)
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), required=False,
                             choices=[("", gettext_lazy("All kinds")), *Memo.Kind.choices])
    since = forms.DateField(label=gettext_lazy("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(label=gettext_lazy("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, project, **kwargs):
        super().__init__(*args, **kwargs)
        members = project.memberships.select_related("user").order_by("user__username")
        self.fields["author"].choices = [("", _("Everyone")), *((str(m.user_id), m.user.get_username())
                                                               for m in members)]


class MemoForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("About"), choices=Memo.Kind.choices)
    document = forms.ModelChoiceField(label=gettext_lazy("Document"), queryset=None, required=False)
    participant = forms.ModelChoiceField(label=gettext_lazy("Participant"), queryset=None, required=False)
    county = forms.ModelChoiceField(label=gettext_lazy("County"), queryset=None, required=False)
    text = forms.CharField(label=gettext_lazy("Memo"), widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(self, *args, project, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["document"].queryset = Document.objects.without_text().filter(project=project).order_by("title")
        self.fields["participant"].queryset = Participant.objects.filter(project=project).order_by("label")
        self.fields["county"].queryset = project.counties.order_by("name")


def _filtered(project, form):
    memos = Memo.objects.filter(project=project).select_related("author", "document", "participant", "county")
    if not form.is_valid():
        return memos
    data = form.cleaned_data
    if data["q"]:
        memos = memos.filter(text__icontains=data["q"])
    if data["author"]:
        memos = memos.filter(author_id=data["author"])
    if data["kind"]:
        memos = memos.filter(kind=data["kind"])
    if data["since"]:
        memos = memos.filter(created_at__date__gte=data["since"])
    if data["until"]:
        memos = memos.filter(created_at__date__lte=data["until"])
    return memos


@login_required
@require_http_methods(["GET", "POST"])
def memo_list(request, slug):
    project, membership = study_for_reader(request, slug)
    form = MemoForm(request.POST or None, project=project)
    if request.method == "POST":
        if not membership.can_write:
            raise PermissionDenied
        if form.is_valid():
            data = form.cleaned_data
            try:
                memo_create(project=project, author=request.user, kind=data["kind"], text=data["text"],
                            target=data.get(data["kind"]) if data["kind"] != Memo.Kind.STUDY else None)
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, _("The memo was saved."))
                return redirect("coding:memo_list", slug=project.slug)
    filters = MemoFilterForm(request.GET or None, project=project)
    return render(request, "coding/memo_list.html", {
        "project": project, "membership": membership, "form": form, "filters": filters,
        "memos": _filtered(project, filters)[:500]})
