"""The export page's form: which quotes go into the file, how they are grouped and signed, and the format.

Its valid data is an ExportOptions plus a file format; the anonymity review sends the same
fields again, so the form is also what re-checks the choices when the export starts.
"""

from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from coding.exports import anonymity
from coding.exports.options import FORMATS, ExportOptions
from coding.models import Excerpt, ExportJob
from coding.quotes import codebook_order
from planner.collation import name_key

SOURCES = [("both", _("Interviews and plans")), ("interviews", _("Interviews only")), ("plans", _("Plans only"))]
GROUPINGS = [("theme", _("Theme, then county")), ("county", _("County, then theme"))]
ATTRIBUTIONS = [
    ("internal", _("Internal: role, field, county, interview and time code")),
    ("publication", _("Publication: role and field only, as the report signs quotes")),
]


class ExportForm(forms.Form):
    # Plain choices rather than querysets: the themes and counties are read once, for the list and the check.
    themes = forms.TypedMultipleChoiceField(
        label=_("Themes"), coerce=int, widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one theme.")})
    counties = forms.TypedMultipleChoiceField(
        label=_("Counties"), coerce=int, widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one county.")})
    sources = forms.ChoiceField(label=_("Sources"), choices=SOURCES, initial="both", widget=forms.RadioSelect)
    key_only = forms.BooleanField(label=_("Key quotes only"), required=False)
    coder = forms.ModelChoiceField(label=_("Coder"), queryset=None, required=False, to_field_name="username",
                                   empty_label=_("All coders"))
    attribution = forms.ChoiceField(label=_("Attribution"), choices=ATTRIBUTIONS, initial="internal",
                                    widget=forms.RadioSelect)
    format = forms.ChoiceField(
        label=_("File format"), initial="docx", widget=forms.RadioSelect,
        choices=[(value, label) for value, label in ExportJob.Format.choices if value in FORMATS])
    grouping = forms.ChoiceField(
        label=_("Grouping"), choices=GROUPINGS, initial="theme", widget=forms.RadioSelect,
        help_text=_("A publication export groups by theme only: it never puts an informant's quote under a county, "
                    "and leaves out the county notes."))
    summaries = forms.BooleanField(label=_("Theme summaries and county notes"), required=False, initial=True)
    memos = forms.BooleanField(label=_("Memos as Word comments"), required=False,
                               help_text=_("Internal exports only: memos are the team's notes, and the anonymity "
                                           "check does not read them."))
    study_memos = forms.BooleanField(
        label=_("Memos on documents, participants, counties and the study"), required=False,
        help_text=_("A last chapter; internal exports only."))
    plan_tables = forms.BooleanField(label=_("Plan tables (as the report's appendices)"), required=False)
    empty_themes = forms.BooleanField(
        label=_("Themes without quotes too"), required=False,
        help_text=_("A heading saying «no excerpts» for each chosen theme that has none."))
    language = forms.ChoiceField(label=_("Language of headings and attribution"), choices=settings.LANGUAGES)

    # Fields that shape only the Word file; the template groups them apart.
    WORD_ONLY = ("grouping", "summaries", "memos", "study_memos", "plan_tables", "empty_themes")

    def __init__(self, *args, project, **kwargs):
        super().__init__(*args, **kwargs)
        self.project = project
        # Codebook order: sub-themes under their main theme, archived themes last. Each choice's
        # label is the theme itself, for the template's colour swatch and indent.
        themes = codebook_order(list(project.themes.in_codebook_order(archived_last=True)))
        self.fields["themes"].choices = [(theme.pk, theme) for theme in themes]
        self.fields["themes"].initial = [theme.pk for theme in themes]
        counties = sorted(project.counties.values_list("pk", "name"), key=lambda county: name_key(county[1]))
        self.fields["counties"].choices = counties
        self.fields["counties"].initial = [pk for pk, _name in counties]
        # Exists per member, not a join to every excerpt of the study made distinct: on SQLite that read
        # 26,000 excerpts while the page rendered, 170 ms of its 475 ms (issue 15, bench scale 0.25).
        self.fields["coder"].queryset = get_user_model().objects.filter(
            Exists(Excerpt.objects.filter(coder=OuterRef("pk"), document__project=project)),
            memberships__project=project).order_by("username")
        language = (translation.get_language() or settings.LANGUAGE_CODE).split("-")[0]
        self.fields["language"].initial = language if language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE

    def export_options(self):
        """The valid choices as ExportOptions; every theme or county chosen means all (and those added later)."""
        data = self.cleaned_data
        return ExportOptions(
            themes=self._ids("themes"), counties=self._ids("counties"), sources=data["sources"],
            key_only=data["key_only"], coder=data["coder"].get_username() if data["coder"] else "",
            grouping=data["grouping"], attribution=data["attribution"], summaries=data["summaries"],
            memos=data["memos"], study_memos=data["study_memos"], plan_tables=data["plan_tables"],
            empty_themes=data["empty_themes"],
            language=data["language"],
        )

    def initial_options(self):
        """The options of the untouched form: its initial values are ExportOptions' defaults."""
        return ExportOptions(language=self.fields["language"].initial)

    def _ids(self, name):
        chosen = sorted(set(self.cleaned_data[name]))
        return () if len(chosen) == len(self.fields[name].choices) else tuple(chosen)

    def hidden_pairs(self):
        """(name, value) of every submitted choice, for the review step to send them again."""
        pairs = []
        for name in self.fields:
            values = self.data.getlist(name) if hasattr(self.data, "getlist") else [self.data.get(name)]
            pairs += [(name, value) for value in values if value is not None]
        return pairs

    def word_fields(self):
        return [self[name] for name in self.WORD_ONLY]


def decisions_from(data, findings, *, may_keep_unattributed=False):
    """The anonymity choice per excerpt id for each finding, or None when one is missing or unknown.

    A quote that came up after the review was shown has no choice yet, so the review is shown again.
    Only the project lead may keep a quote whose speaker nobody has assigned; anyone else's choice for
    it is «drop», whatever was sent.
    """
    decisions = {}
    for finding in findings:
        choice = data.get(f"decision-{finding.quote.excerpt_id}")
        if choice not in anonymity.CHOICES:
            return None
        if finding.unattributed and not may_keep_unattributed:
            choice = "drop"
        decisions[finding.quote.excerpt_id] = choice
    return decisions
