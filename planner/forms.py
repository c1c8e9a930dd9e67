"""Forms of the study frame."""

from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.utils.html import conditional_escape, escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from planner.models import PLAN_YEAR_MAX, PLAN_YEAR_MIN, Membership, Plan, Project
from planner.plan_io import MAX_ROWS, size_problem
from planner.studytemplates import TEMPLATES

User = get_user_model()


class ProjectCreateForm(forms.Form):
    name = forms.CharField(label=_("Name of the study"), max_length=200)
    slug = forms.SlugField(
        label=_("Short name in addresses"), max_length=60, required=False,
        help_text=_("Letters, digits and hyphens. Made from the name when left empty."),
    )
    template = forms.ChoiceField(label=_("Start from"), widget=forms.RadioSelect, initial="")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("", _("Blank study: no themes, counties or plans"))]
        choices += [(t.key, f"{t.name} ({t.label})") for t in TEMPLATES.values()]
        self.fields["template"].choices = choices
        self.fields["template"].required = False

    def clean_slug(self):
        slug = self.cleaned_data["slug"]
        if slug and Project.objects.filter(slug=slug).exists():
            raise forms.ValidationError(_("Another study already uses this short name."))
        return slug


class MemberAddForm(forms.Form):
    """Add an existing user by user name, or create one with a first password."""

    username = forms.CharField(label=_("User name"), max_length=150)
    role = forms.ChoiceField(label=_("Role"), choices=Membership.Role.choices, initial=Membership.Role.ANALYST)
    create = forms.BooleanField(label=_("Create a new user with this name"), required=False)
    password = forms.CharField(
        label=_("First password (new users only)"), required=False,
        widget=forms.PasswordInput(render_value=False), strip=False,
    )

    def __init__(self, *args, project, **kwargs):
        self.project = project
        super().__init__(*args, **kwargs)

    def clean(self):
        data = super().clean()
        username = data.get("username")
        if not username:
            return data
        existing = User.objects.filter(username=username).first()
        if data.get("create"):
            if existing:
                raise forms.ValidationError(_("A user with this name already exists. Untick «create» to add them."))
            password = data.get("password")
            if not password:
                self.add_error("password", _("A new user needs a first password."))
            else:
                try:
                    validate_password(password, User(username=username))
                except forms.ValidationError as error:
                    self.add_error("password", error)
        elif not existing:
            raise forms.ValidationError(_("No user is called «%(name)s».") % {"name": username})
        elif self.project.memberships.filter(user=existing).exists():
            raise forms.ValidationError(_("%(name)s is already a member of this study.") % {"name": username})
        data["user"] = existing
        return data


class MemberRoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Membership.Role.choices)


class PlanFilterForm(forms.Form):
    county = forms.ModelChoiceField(label=_("County"), queryset=None, required=False, empty_label=_("All counties"))
    plan_type = forms.ChoiceField(label=_("Plan type"), required=False)
    sort = forms.ChoiceField(
        label=_("Sort"), required=False,
        choices=[("county", _("County")), ("year", _("Year, oldest first")), ("-year", _("Year, newest first"))],
    )

    def __init__(self, *args, project, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["county"].queryset = project.counties.all()
        self.fields["plan_type"].choices = [("", _("All plan types")), *Plan.PlanType.choices]


class PlanForm(forms.ModelForm):
    """One plan of the register; its county must be one of the study's."""

    year = forms.IntegerField(label=_("Year"), min_value=PLAN_YEAR_MIN, max_value=PLAN_YEAR_MAX)
    url = forms.URLField(label=_("URL"), max_length=500, required=False, assume_scheme="https")

    class Meta:
        model = Plan
        fields = ["county", "plan_type", "title", "year", "status", "url", "notes", "assessment"]
        widgets = {"notes": forms.Textarea(attrs={"rows": 3}), "assessment": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args, project, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["county"].queryset = project.counties.order_by("-in_study", "name")


class PlanImportForm(forms.Form):
    file = forms.FileField(
        label=_("Spreadsheet"), allow_empty_file=True,  # an empty file gets the import's message, naming it
        widget=forms.FileInput(attrs={"accept": ".xlsx,.csv"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Formatted here, not at import, so that it speaks the request's language.
        self.fields["file"].help_text = _("Excel (.xlsx, the first sheet) or CSV (.csv). Up to %(mb)s MB and "
                                          "%(rows)s plans.") % {"mb": settings.UPLOAD_MAX_MB, "rows": MAX_ROWS}

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if problem := size_problem(upload.name, upload.size, settings.UPLOAD_MAX_MB * 1_048_576):
            raise forms.ValidationError(problem.message)
        return upload


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files from one input, as Django's documentation shows; used by every upload form."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        # An empty file gets the reader's message, which names the file.
        kwargs.setdefault("allow_empty_file", True)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if not data and self.required:
            # The widget gives an empty list when no file was chosen, which would pass as "no files".
            raise forms.ValidationError(self.error_messages["required"], code="required")
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data]
        return [single(data, initial)]


class LongSelect(forms.Select):
    """A select of many options, written here rather than through a template per option: the participant lists
    of a study of 220 interviews hold some 1,300, and their templates were most of the transcript page's 250 ms
    (issue 15). The markup is Select's, character for character (tests/planner/test_long_select.py); groups of
    options are left to Select."""

    def render(self, name, value, attrs=None, renderer=None):
        if any(isinstance(label, list | tuple) for _value, label in self.choices):
            return super().render(name, value, attrs, renderer)
        chosen = self.format_value(value)
        parts = [f'<select name="{escape(name)}"{_attributes(self.build_attrs(self.attrs, attrs))}>']
        selected = False
        for option, label in self.choices:
            option = "" if option is None else str(option)
            mark = not selected and option in chosen
            selected |= mark
            parts.append(f'\n  <option value="{escape(option)}"{" selected" if mark else ""}>'
                         f"{conditional_escape(label)}</option>\n")
        parts.append("\n</select>")
        return mark_safe("".join(parts))  # noqa: S308 - every value above is escaped


def _attributes(attrs):
    """An element's attributes as django/forms/widgets/attrs.html writes them: True bare, False left out."""
    return "".join(f" {name}" if value is True else f' {name}="{escape(value)}"'
                   for name, value in attrs.items() if value is not False)
