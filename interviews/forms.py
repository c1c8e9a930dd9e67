"""Forms of the transcript import (the upload, per file the interview and its speakers), of participants and of
assigning turns."""

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from interviews.importers import EXTENSIONS
from interviews.models import InterviewFormat, NameWord, Participant, ParticipantField, ParticipantRole, label_order
from interviews.services import NewParticipant
from planner.forms import LongSelect, MultipleFileField, MultipleFileInput
from planner.models import normalise_text

NEW = "new"


class UploadForm(forms.Form):
    files = MultipleFileField(
        label=_("Transcript files"),
        widget=MultipleFileInput(attrs={"multiple": True, "accept": ",".join(EXTENSIONS)}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Filled in per request, so it is in the language of the request.
        self.fields["files"].help_text = _(
            "Word (.docx), text (.txt), WebVTT from Teams or Zoom (.vtt), SubRip (.srt) or Whisper (.json, .tsv). "
            "Up to %(mb)s MB each.") % {"mb": settings.UPLOAD_MAX_MB}


class InterviewForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=300,
                            help_text=_("Speakers' names in the title are replaced by their labels, as in the text."))
    county = forms.ModelChoiceField(label=_("County"), queryset=None, required=False, empty_label=_("No county"))
    format = forms.ChoiceField(label=_("Format"), choices=InterviewFormat.choices)
    date = forms.DateField(label=_("Date"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, project, can_record_names=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["county"].queryset = project.counties.filter(in_study=True)
        if can_record_names:  # the lead only: an analyst's form has no such field, whatever is posted
            self.fields["record_names"] = forms.BooleanField(
                label=_("Record the speakers' real names privately on the watch list"), required=False,
                help_text=_("Only the project lead sees the watch list. The anonymity check of publication "
                            "exports then finds these names in quotes. The transcript text never holds them."),
            )


class SpeakerForm(forms.Form):
    """Map one speaker as found in the file to a participant: an existing one, or a new label."""

    participant = forms.ChoiceField(label=_("Participant"), widget=LongSelect)
    label = forms.CharField(label=_("New label"), max_length=60, required=False)
    role = forms.ChoiceField(label=_("Role"), choices=ParticipantRole.choices, required=False)
    field = forms.ChoiceField(label=_("Field"), choices=ParticipantField.choices, required=False)

    def __init__(self, *args, speaker, turns, participants, **kwargs):
        self.speaker, self.turn_count, self.participants = speaker, turns, participants
        super().__init__(*args, **kwargs)
        existing = [(str(p.pk), p.label) for p in participants]
        self.fields["participant"].choices = [(NEW, _("New participant")), *existing]

    def clean(self):
        data = super().clean()
        if data.get("participant") == NEW:
            label = normalise_text(" ".join(data.get("label", "").split()))
            if not label:
                self.add_error("label", _("Give the new participant a label, such as «Informant 3»."))
            elif any(p.label == label for p in self.participants):
                self.add_error("label", _("«%(label)s» is already a participant; choose it in the list.")
                               % {"label": label})
            data["label"] = label
        return data

    def target(self):
        """The Participant or NewParticipant this speaker maps to."""
        data = self.cleaned_data
        if data["participant"] == NEW:
            return NewParticipant(label=data["label"], role=data["role"] or ParticipantRole.ADVISOR,
                                  field=data["field"] or ParticipantField.OTHER)
        return next(p for p in self.participants if str(p.pk) == data["participant"])


def speaker_forms(draft, parsed, mapping, data=None):
    """One SpeakerForm per speaker of the draft, pre-filled from the suggested mapping."""
    participants = sorted(Participant.objects.filter(project=draft.project), key=lambda p: label_order(p.label))
    forms_ = []
    for index, (speaker, turns) in enumerate(parsed.speakers().items()):
        target = mapping[speaker]
        initial = (
            {"participant": NEW, "label": target.label, "role": target.role, "field": target.field}
            if isinstance(target, NewParticipant) else {"participant": str(target.pk)}
        )
        forms_.append(SpeakerForm(data, prefix=f"d{draft.pk}-s{index}", initial=initial, speaker=speaker,
                                  turns=turns, participants=participants))
    return forms_


def labels_clash(forms_):
    """New labels given twice within one file; each names one person."""
    seen, clashes = set(), set()
    for form in forms_:
        if form.cleaned_data.get("participant") == NEW:
            label = form.cleaned_data["label"]
            (clashes if label in seen else seen).add(label)
    return clashes


class NameReview:
    """The choice per lower-case ordinary word among the speakers' names: replace (ticked) or keep.

    Not a Django form on purpose: the occurrences of the title follow the title as posted, so
    a ticked key of an earlier title is no error, just no longer there. Only keys that were
    offered and then unticked are kept; anything not offered is replaced, which is the safe side.
    """

    def __init__(self, occurrences, *, prefix, data=None):
        self.replace_name, self.offered_name = f"{prefix}-replace", f"{prefix}-offered"
        keys = [occurrence.key for occurrence in occurrences]
        ticked = set(keys) if data is None else set(data.getlist(self.replace_name))
        self.rows = [(occurrence, occurrence.key in ticked) for occurrence in occurrences]
        self.offered = " ".join(keys)
        self.data = data

    def kept(self) -> set[str]:
        if self.data is None:
            return set()
        return set(self.data.get(self.offered_name, "").split()) - set(self.data.getlist(self.replace_name))


class NameWordForm(forms.ModelForm):
    class Meta:
        model = NameWord
        fields = ["word"]
        help_texts = {"word": _("A name that is also an ordinary word, such as «Per» or «Liv».")}

    def clean_word(self):
        return normalise_text(" ".join(self.cleaned_data["word"].split()))


class ParticipantForm(forms.Form):
    """What the study says of a participant: label, role, field and county."""

    label = forms.CharField(label=_("Label"), max_length=60,
                            help_text=_("Never a name: such as «Informant 3» or «Intervjuer»."))
    role = forms.ChoiceField(label=_("Role"), choices=ParticipantRole.choices)
    field = forms.ChoiceField(label=_("Field"), choices=ParticipantField.choices)
    field_other = forms.CharField(label=_("Field in your own words"), max_length=100, required=False,
                                  help_text=_("Only with «Other field»: the field as the report names it."))
    county = forms.ModelChoiceField(label=_("County"), queryset=None, required=False, empty_label=_("No county"))

    def __init__(self, *args, project, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["county"].queryset = project.counties.filter(in_study=True).order_by("name")


def _participant_choices(participants):
    return [(str(p.pk), p.label) for p in sorted(participants, key=lambda p: label_order(p.label))]


class ParticipantMergeForm(forms.Form):
    """Merge this participant into another one of the study: the same person under two labels."""

    target = forms.ChoiceField(label=_("Merge into"), widget=LongSelect)

    def __init__(self, *args, participant, **kwargs):
        super().__init__(*args, **kwargs)
        self.others = {str(p.pk): p for p in Participant.objects.filter(project_id=participant.project_id,
                                                                         erased_at__isnull=True)
                       .exclude(pk=participant.pk)}
        self.fields["target"].choices = [("", "–"), *_participant_choices(self.others.values())]

    def clean_target(self):
        return self.others[self.cleaned_data["target"]]


class TurnAssignForm(forms.Form):
    """Turns first..last (numbers as the page shows them, from 1), or `count` turns from the first, to a participant."""

    first = forms.IntegerField(label=_("First turn"), min_value=1)
    last = forms.IntegerField(label=_("Last turn"), min_value=1, required=False)
    count = forms.IntegerField(label=_("or the following number of turns"), min_value=1, required=False,
                               help_text=_("Counted from the first turn, which is included."))
    participant = forms.ChoiceField(label=_("Participant"), widget=LongSelect)
    label = forms.CharField(label=_("New label"), max_length=60, required=False)
    role = forms.ChoiceField(label=_("Role"), choices=ParticipantRole.choices, required=False)
    field = forms.ChoiceField(label=_("Field"), choices=ParticipantField.choices, required=False)
    field_other = forms.CharField(label=_("Field in your own words"), max_length=100, required=False)

    def __init__(self, *args, participants, **kwargs):
        super().__init__(*args, **kwargs)
        self.participants = {str(p.pk): p for p in participants}
        self.fields["participant"].choices = [("", "–"), *_participant_choices(participants),
                                              (NEW, _("New participant"))]

    def clean(self):
        data = super().clean()
        first, last, count = data.get("first"), data.get("last"), data.get("count")
        if last is not None and count is not None:
            self.add_error("count", _("Give the last turn or the number of turns, not both."))
        elif first is not None and last is not None and last < first:
            self.add_error("last", _("The last turn must come after the first."))
        if data.get("participant") == NEW:
            label = normalise_text(" ".join(data.get("label", "").split()))
            if not label:
                self.add_error("label", _("Give the new participant a label, such as «Informant 3»."))
            elif any(p.label == label for p in self.participants.values()):
                self.add_error("label", _("«%(label)s» is already a participant; choose it in the list.")
                               % {"label": label})
            data["label"] = label
        return data

    def positions(self):
        """(first, last) as Turn positions, counted from 0."""
        data = self.cleaned_data
        first = data["first"] - 1
        if data.get("count"):
            return first, first + data["count"] - 1
        return first, (data["last"] - 1 if data.get("last") else first)

    def target(self):
        data = self.cleaned_data
        if data["participant"] == NEW:
            return NewParticipant(label=data["label"], role=data["role"] or ParticipantRole.ADVISOR,
                                  field=data["field"] or ParticipantField.OTHER, field_other=data["field_other"])
        return self.participants[data["participant"]]
