"""Forms of the coding app."""

import re

from django import forms
from django.utils.translation import gettext_lazy as _

from coding.query import QueryError, parse
from coding.search import Filters
from interviews.models import ParticipantField, ParticipantRole
from planner.models import Document, Plan
from planner.textindex import OVERLAP
from planner.validators import note_length


class SearchForm(forms.Form):
    """A search: its query (coding/query.py), its mode and its filters (coding.search.Filters)."""

    q = forms.CharField(label=_("Search terms"), max_length=300, required=False,
                        help_text=_("innv finds innvandring and arbeidsinnvandrere; ^innv only at the start of a word, "
                                    "=innv only the whole word. \"små kommuner\" is a phrase. Join terms with AND, OR, "
                                    "NOT (OG, ELLER, IKKE) and parentheses; distrikt NEAR/3 kommun finds the two "
                                    "within three words. Terms side by side: any of them."))
    mode = forms.ChoiceField(label=_("Match"), required=False, initial="infix", choices=[
        ("infix", _("inside words")), ("start", _("at word start")), ("word", _("whole words"))])
    aa = forms.BooleanField(label=_("aa = å"), required=False)
    kind = forms.ChoiceField(label=_("Documents"), required=False,
                             choices=[("", _("All documents")), *Document.Kind.choices])
    county = forms.ModelChoiceField(label=_("County"), queryset=None, required=False, empty_label=_("All counties"))
    plan_type = forms.ChoiceField(label=_("Plan type"), required=False)
    year_from = forms.IntegerField(label=_("From year"), required=False, min_value=1900, max_value=2100)
    year_to = forms.IntegerField(label=_("To year"), required=False, min_value=1900, max_value=2100)
    role = forms.ChoiceField(label=_("Speaker's role"), required=False,
                             choices=[("", _("All roles")), *ParticipantRole.choices])
    field = forms.ChoiceField(label=_("Speaker's field"), required=False,
                              choices=[("", _("All fields")), *ParticipantField.choices])
    theme = forms.ModelChoiceField(label=_("Coded with"), queryset=None, required=False,
                                   empty_label=_("Any theme or none"))
    theme_scope = forms.ChoiceField(label=_("Coded"), required=False, initial="document", choices=[
        ("document", _("in the document")), ("passage", _("the hit's passage"))])

    plan = forms.ModelChoiceField(queryset=None, required=False, widget=forms.HiddenInput)

    # The fields a saved search keeps besides its query and kind (SavedSearch.params), as plain values.
    PARAMS = ("mode", "aa", "county", "plan_type", "year_from", "year_to", "role", "field", "theme", "theme_scope")

    def __init__(self, *args, project, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["county"].queryset = project.counties.filter(in_study=True)
        self.fields["plan_type"].choices = [("", _("All plan types")), *Plan.PlanType.choices]
        self.fields["theme"].queryset = project.themes.in_codebook_order()
        self.fields["plan"].queryset = Plan.objects.filter(county__project=project)

    def clean(self):
        data = super().clean()
        if data.get("year_from") and data.get("year_to") and data["year_from"] > data["year_to"]:
            self.add_error("year_to", _("The last year comes before the first."))
        try:
            self.tree = parse(data.get("q", ""), data.get("mode") or "infix", aa=bool(data.get("aa")))
        except QueryError as error:
            self.add_error("q", str(error))
        return data

    def filters(self):
        data = self.cleaned_data
        return Filters(kind=data["kind"], county=data["county"], plan_type=data["plan_type"],
                       year_from=data["year_from"], year_to=data["year_to"], role=data["role"], field=data["field"],
                       theme=data["theme"], theme_scope=data["theme_scope"] or "document", plan=data["plan"])

    def params(self):
        """The mode and filters as plain values, for a saved search."""
        values = {}
        for name in self.PARAMS:
            value = self.cleaned_data.get(name)
            value = getattr(value, "pk", value)
            if value not in (None, "", False):
                values[name] = value
        return values


class ExcerptForm(forms.Form):
    """A passage of a document and the themes to code it with."""

    start = forms.IntegerField(min_value=0, widget=forms.HiddenInput)
    end = forms.IntegerField(min_value=1, widget=forms.HiddenInput)
    themes = forms.ModelMultipleChoiceField(label=_("Themes"), queryset=None, widget=forms.CheckboxSelectMultiple)
    memo = forms.CharField(label=_("Memo"), required=False, validators=[note_length],
                           widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, project, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["themes"].queryset = project.themes.active().in_codebook_order()


class ExcerptEditForm(forms.Form):
    """Change an excerpt; `version` is the one the user saw (see excerpt_update)."""

    version = forms.IntegerField(widget=forms.HiddenInput)
    start = forms.IntegerField(min_value=0, required=False, widget=forms.HiddenInput)
    end = forms.IntegerField(min_value=1, required=False, widget=forms.HiddenInput)
    themes = forms.ModelMultipleChoiceField(label=_("Themes"), queryset=None, widget=forms.CheckboxSelectMultiple)
    memo = forms.CharField(label=_("Memo"), required=False, validators=[note_length],
                           widget=forms.Textarea(attrs={"rows": 4}))
    is_key = forms.BooleanField(label=_("Key quote"), required=False)

    def __init__(self, *args, project, can_mark_key, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["themes"].queryset = project.themes.active().in_codebook_order()
        if not can_mark_key:
            self.fields["is_key"].disabled = True


class ThemeForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    colour = forms.CharField(label=_("Colour"), max_length=7, initial="#0067A5",
                             widget=forms.TextInput(attrs={"type": "color"}))
    parent = forms.ModelChoiceField(label=_("Sub-theme of"), queryset=None, required=False,
                                    empty_label=_("None (a main theme)"))
    shortcut_key = forms.CharField(label=_("Shortcut key"), max_length=1, required=False,
                                   help_text=_("A digit, or a letter used with Alt in the theme picker."))
    archived = forms.BooleanField(label=_("Archived (hidden from the picker, kept in history and exports)"),
                                  required=False)

    def __init__(self, *args, project, theme=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.project, self.theme = project, theme
        parents = project.themes.active()
        if theme is not None:
            parents = parents.exclude(pk=theme.pk)
        else:
            del self.fields["archived"]
            self.fields["colour"].initial = project.themes.next_colour()
        self.fields["parent"].queryset = parents.in_codebook_order()

    def clean_name(self):
        name = " ".join(self.cleaned_data["name"].split())
        others = self.project.themes.filter(name__iexact=name)
        if self.theme is not None:
            others = others.exclude(pk=self.theme.pk)
        if others.exists():
            raise forms.ValidationError(_("The codebook already has a theme called «%(name)s».") % {"name": name})
        return name

    def clean_shortcut_key(self):
        key = self.cleaned_data["shortcut_key"].strip().lower()
        if key and not key.isalnum():
            raise forms.ValidationError(_("Use a digit or a letter."))
        others = self.project.themes.filter(shortcut_key=key)
        if self.theme is not None:
            others = others.exclude(pk=self.theme.pk)
        if key and others.exists():
            raise forms.ValidationError(_("«%(key)s» is the shortcut of «%(name)s».") % {
                "key": key, "name": others.first().name})
        return key

    def clean_colour(self):
        colour = self.cleaned_data["colour"]
        if not re.fullmatch(r"#[0-9a-fA-F]{6}", colour):
            raise forms.ValidationError(_("Enter a colour as #RRGGBB."))
        return colour


class ThemeMergeForm(forms.Form):
    source = forms.ModelChoiceField(label=_("Merge this theme"), queryset=None)
    target = forms.ModelChoiceField(label=_("into this theme"), queryset=None)

    def __init__(self, *args, project, **kwargs):
        super().__init__(*args, **kwargs)
        themes = project.themes.active().in_codebook_order()
        self.fields["source"].queryset = themes
        self.fields["target"].queryset = themes

    def clean(self):
        data = super().clean()
        if data.get("source") and data.get("source") == data.get("target"):
            raise forms.ValidationError(_("Choose two different themes."))
        return data


class CooccurrenceCellForm(forms.Form):
    """The cell of the co-occurrence table whose excerpts to list."""

    a = forms.ModelChoiceField(label=_("Theme"), queryset=None)
    b = forms.ModelChoiceField(label=_("Theme"), queryset=None)

    def __init__(self, *args, project, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["a"].queryset = project.themes.all()
        self.fields["b"].queryset = project.themes.all()

    def clean(self):
        data = super().clean()
        if data.get("a") and data.get("a") == data.get("b"):
            raise forms.ValidationError(_("Choose two different themes."))
        return data


class CollectionFilterForm(forms.Form):
    """The filters of a theme's quote collection (GET); the matrix links its cells here."""

    SOURCES = [("both", _("Interviews and plans")), ("interviews", _("Interviews")), ("plans", _("Plans"))]

    q = forms.CharField(label=_("Text in the quote"), max_length=OVERLAP, required=False)
    county = forms.TypedChoiceField(label=_("County"), coerce=int, empty_value=None, required=False)
    sources = forms.ChoiceField(label=_("Sources"), choices=SOURCES, required=False)
    role = forms.ChoiceField(label=_("Role"), required=False,
                             choices=[("", _("All roles")), *ParticipantRole.choices])
    field = forms.ChoiceField(label=_("Field"), required=False,
                              choices=[("", _("All fields")), *ParticipantField.choices])
    coder = forms.ChoiceField(label=_("Coder"), required=False)
    key = forms.BooleanField(label=_("Key quotes only"), required=False)

    def __init__(self, *args, counties, coders, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["county"].choices = [("", _("All counties")), *((c.pk, c.name) for c in counties)]
        self.fields["coder"].choices = [("", _("All coders")), *((name, name) for name in coders)]


class ThemeSummaryForm(forms.Form):
    """A theme summary or county note; `version` is the one the user saw, 0 for a new one."""

    text = forms.CharField(label=_("Text"), validators=[note_length], widget=forms.Textarea(attrs={"rows": 6}))
    version = forms.IntegerField(min_value=0, widget=forms.HiddenInput)


class SummaryReviewForm(forms.Form):
    reviewed = forms.BooleanField(required=False)
    version = forms.IntegerField(min_value=1)


class KeyQuoteForm(forms.Form):
    is_key = forms.BooleanField(required=False)
    version = forms.IntegerField(min_value=1)


class HitsCodeForm(forms.Form):
    """Code the hits of a search: every hit or the ticked ones, as what, with which themes."""

    themes = forms.ModelMultipleChoiceField(label=_("Themes"), queryset=None, widget=forms.CheckboxSelectMultiple)
    unit = forms.ChoiceField(label=_("Code"), initial="sentence", choices=[
        ("hit", _("the hit itself")), ("sentence", _("its sentence")), ("paragraph", _("its paragraph")),
        ("turn", _("its speaker turn"))])
    scope = forms.ChoiceField(label=_("Which hits"), initial="all", widget=forms.RadioSelect, choices=[
        ("all", _("every hit")), ("ticked", _("the ticked hits"))])

    def __init__(self, *args, project, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["themes"].queryset = project.themes.active().in_codebook_order()

    def clean(self):
        data = super().clean()
        hits = []
        for value in self.data.getlist("hit") if hasattr(self.data, "getlist") else []:
            parts = value.split(":")
            if len(parts) != 3 or not all(part.isdigit() for part in parts):
                raise forms.ValidationError(_("A ticked hit could not be read; search again."))
            hits.append(tuple(int(part) for part in parts))
        if data.get("scope") == "ticked" and not hits:
            raise forms.ValidationError(_("Tick the hits to code, or choose every hit."))
        data["hits"] = hits
        # The text each ticked hit's offsets were found in (its document's checksum when the page was shown).
        data["checksums"] = dict(value.split(":", 1) for value in (
            self.data.getlist("checksum") if hasattr(self.data, "getlist") else []) if ":" in value)
        return data


class WordListForm(forms.Form):
    """Which documents the word list counts, and which words it shows."""

    kind = forms.ChoiceField(label=_("Documents"), required=False,
                             choices=[("", _("All documents")), *Document.Kind.choices])
    county = forms.ModelChoiceField(label=_("County"), queryset=None, required=False, empty_label=_("All counties"))
    documents = forms.ModelMultipleChoiceField(label=_("Only these documents"), queryset=None, required=False,
                                               widget=forms.SelectMultiple(attrs={"size": 6}))
    min_length = forms.IntegerField(label=_("Shortest word"), min_value=1, max_value=40, initial=3, required=False)
    contains = forms.CharField(label=_("Words containing"), max_length=60, required=False)
    stop_words = forms.BooleanField(label=_("Leave out stop words (Norwegian and English)"), required=False,
                                    initial=True)

    def __init__(self, *args, project, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["county"].queryset = project.counties.filter(in_study=True)
        self.fields["documents"].queryset = Document.objects.filter(project=project).without_text().order_by(
            "kind", "title")

    def documents_chosen(self, project):
        data = self.cleaned_data
        documents = Document.objects.filter(project=project)
        if data["documents"]:
            documents = documents.filter(pk__in=[d.pk for d in data["documents"]])
        if data["kind"]:
            documents = documents.filter(kind=data["kind"])
        if data["county"]:
            documents = documents.filter(county=data["county"])
        return documents
