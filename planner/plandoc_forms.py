"""Forms of the plan page: attach files to a plan, or paste an excerpt with its page."""

from django import forms
from django.conf import settings
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from planner.forms import MultipleFileField, MultipleFileInput
from planner.plandocs import EXTENSIONS


# Both forms stand on the plan page and both have a title: a prefix each keeps their ids
# (and names) apart, so that a label never points at the other form's field.
class PlanFilesForm(forms.Form):
    prefix = "files"
    files = MultipleFileField(
        label=_("Plan files"),
        widget=MultipleFileInput(attrs={"multiple": True, "accept": ",".join(EXTENSIONS)}),
    )
    title = forms.CharField(
        label=_("Title"), max_length=250, required=False,
        help_text=_("Leave empty to use the plan's title and the file name."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Formatted per request: a lazy text formatted at import would keep the language of the import.
        self.fields["files"].help_text = gettext("PDF with a text layer, Word (.docx) or text (.txt). Up to "
                                                 "%(mb)s MB each.") % {"mb": settings.UPLOAD_MAX_MB}


class PlanExcerptForm(forms.Form):
    prefix = "excerpt"
    text = forms.CharField(label=_("Excerpt"), widget=forms.Textarea(attrs={"rows": 6}), strip=True)
    page = forms.IntegerField(label=_("Page"), min_value=1, max_value=100_000,
                              help_text=_("The page of the plan the excerpt is taken from."))
    title = forms.CharField(
        label=_("Title"), max_length=250, required=False,
        help_text=_("Leave empty to use the plan's title and the page."),
    )


class OtherFilesForm(forms.Form):
    """Other documents of the study («annet»): an interview guide, meeting notes, background papers."""

    files = MultipleFileField(
        label=_("Files"), widget=MultipleFileInput(attrs={"multiple": True, "accept": ",".join(EXTENSIONS)}))
    title = forms.CharField(label=_("Title"), max_length=250, required=False,
                            help_text=_("Leave empty to use the file name."))
    county = forms.ModelChoiceField(label=_("County"), queryset=None, required=False,
                                    help_text=_("Only if the document belongs to one county."))

    def __init__(self, *args, project, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["county"].queryset = project.counties.order_by("name")
        self.fields["files"].help_text = gettext("PDF with a text layer, Word (.docx) or text (.txt). Up to "
                                                 "%(mb)s MB each.") % {"mb": settings.UPLOAD_MAX_MB}
