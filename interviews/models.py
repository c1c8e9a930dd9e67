"""Participants (anonymous informants), interviews and their speaker turns.

A participant is only ever stored under a study label such as «Informant 3»: the names found
in transcript files are replaced at import and never written to the study's texts or
participants. The one exception is the lead's choice at import to record the speakers' real
names privately on the study's watch list (coding.WatchName, kind person), which only the lead
can see and which the anonymity check of publication exports uses; nowhere else.
"""

import datetime
import uuid

from django.conf import settings
from django.db import connection, models, transaction
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from planner.models import County, Document, Project


class ParticipantRole(models.TextChoices):
    ADVISOR = "advisor", _("Adviser")
    LEADER = "leader", _("Leader")
    INTERVIEWER = "interviewer", _("Interviewer")
    OTHER = "other", _("Other")


class ParticipantField(models.TextChoices):
    INTEGRATION = "integration", _("Integration")
    BUSINESS = "business", _("Business development")
    COMPETENCE = "competence", _("Competence")
    INCLUSION = "inclusion", _("Inclusion")
    PLANNING = "planning", _("Regional development and planning")
    PUBLIC_HEALTH = "public_health", _("Public health")
    # «Other» with Participant.field_other naming it, as the report's method table does.
    OTHER = "other", _("Other field")


class Participant(models.Model):
    Role = ParticipantRole
    Field = ParticipantField

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    project = models.ForeignKey(Project, models.CASCADE, related_name="participants")
    label = models.CharField(_("label"), max_length=60)
    role = models.CharField(_("role"), max_length=20, choices=ParticipantRole.choices, default=ParticipantRole.ADVISOR)
    field = models.CharField(
        _("field"), max_length=20, choices=ParticipantField.choices, default=ParticipantField.OTHER
    )
    # The field in the study's own words when none of the choices fits (field «other»).
    field_other = models.CharField(_("other field"), max_length=100, blank=True)
    county = models.ForeignKey(
        County, models.PROTECT, null=True, blank=True, related_name="participants", verbose_name=_("county")
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # When the lead deleted the person's data (speech, excerpts, role, field, county); the label stays
    # because the text's «Label: [slettet]» paragraphs and the other speakers' turns still carry it.
    erased_at = models.DateTimeField(_("data deleted"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("participant")
        verbose_name_plural = _("participants")
        ordering = ["label"]
        constraints = [
            # Also serves the participants page: participants of one study by label.
            models.UniqueConstraint(fields=["project", "label"], name="participant_unique_label_per_project"),
            models.CheckConstraint(condition=Q(role__in=ParticipantRole.values), name="participant_role_valid"),
            models.CheckConstraint(condition=Q(field__in=ParticipantField.values), name="participant_field_valid"),
            models.CheckConstraint(condition=~Q(label=""), name="participant_label_not_empty"),
        ]

    def __str__(self):
        return self.label

    @property
    def is_informant(self):
        return self.role in INFORMANT_ROLES

    @property
    def field_name(self):
        """The field as the report names it: the free text for «other» when there is one."""
        if self.field == ParticipantField.OTHER and self.field_other:
            return self.field_other
        return self.get_field_display()


# The roles the report counts and signs as informants.
INFORMANT_ROLES = (ParticipantRole.ADVISOR, ParticipantRole.LEADER)


def label_order(label):
    """Sort key of participant labels: «Informant 2» before «Informant 10»."""
    head, _sep, tail = label.rpartition(" ")
    return (head, int(tail), "") if tail.isdigit() else (label, 0, label)


class InterviewFormat(models.TextChoices):
    GROUP_INTERVIEW = "group_interview", _("Group interview")
    WORKSHOP = "workshop", _("Workshop")
    INITIAL_INTERVIEW = "initial_interview", _("Initial interview")


class Interview(models.Model):
    """What a transcript Document records: the kind of meeting and when it was held."""

    Format = InterviewFormat

    document = models.OneToOneField(Document, models.CASCADE, primary_key=True, related_name="interview")
    format = models.CharField(
        _("format"), max_length=20, choices=InterviewFormat.choices, default=InterviewFormat.GROUP_INTERVIEW
    )
    date = models.DateField(_("date"), null=True, blank=True)

    class Meta:
        verbose_name = _("interview")
        verbose_name_plural = _("interviews")
        constraints = [
            models.CheckConstraint(condition=Q(format__in=InterviewFormat.values), name="interview_format_valid"),
        ]

    def __str__(self):
        return str(self.document)


class Recording(models.Model):
    """The audio or video recording of an interview (interviews.recordings stores and serves it).

    The file lies under KODEVERK_RECORDINGS_ROOT, outside the static files, named by `uuid`; it is served only
    to the study's members through the access helper, and goes with its interview (a post_delete receiver).
    """

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    interview = models.OneToOneField(Interview, models.CASCADE, related_name="recording")
    file_name = models.CharField(_("file"), max_length=255)
    kind = models.CharField(_("kind"), max_length=10)
    content_type = models.CharField(max_length=40)
    size = models.PositiveBigIntegerField(_("size"))
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("recording")
        verbose_name_plural = _("recordings")

    def __str__(self):
        return self.file_name

    @property
    def is_video(self):
        return self.content_type.startswith("video/")


class TurnQuerySet(models.QuerySet):
    def holding(self, position, *, document):
        """The turns that may hold `position` (a number or an OuterRef) in `document`, the holder first.

        A turn holds every position from its start to the next turn's start: the rule by which a
        quote's speaker is found (coding.quotes builds on it). Take `.first()` or `[:1]`.
        """
        return self.filter(document=document, start__lte=position).order_by("-start")


class Turn(models.Model):
    """One speaker turn of a transcript: a paragraph «Label: speech» of Document.text.

    start and end are code-point offsets into Document.text (end exclusive), covering the
    whole paragraph with its label; speech_start is where the speech after «Label: » begins.
    """

    # The turn's GUID in REFI-QDA exchange files (a selection its participant's Case refers to).
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    document = models.ForeignKey(Document, models.CASCADE, related_name="turns")
    participant = models.ForeignKey(Participant, models.PROTECT, related_name="turns")
    position = models.PositiveIntegerField()
    start = models.PositiveIntegerField()
    speech_start = models.PositiveIntegerField()
    end = models.PositiveIntegerField()
    start_seconds = models.FloatField(null=True, blank=True)

    objects = TurnQuerySet.as_manager()

    class Meta:
        ordering = ["document", "position"]
        constraints = [
            models.UniqueConstraint(fields=["document", "position"], name="turn_unique_position"),
            models.CheckConstraint(
                condition=Q(start__lte=models.F("speech_start"), speech_start__lte=models.F("end")),
                name="turn_span_ordered",
            ),
        ]
        indexes = [
            # Attribution: the turn of a document that contains an excerpt's start offset.
            models.Index(fields=["document", "start"], name="turn_document_start_idx"),
            # The participants page: turns per participant and interview, read from the index alone.
            models.Index(fields=["participant", "document"], name="turn_participant_document_idx"),
        ]

    def __str__(self):
        return f"{self.participant} @ {self.start}"

    def speech(self, text):
        return text[self.speech_start:self.end]

    @property
    def time_code(self):
        return format_seconds(self.start_seconds)


def speaking_pairs(project_id) -> list[tuple[int, int]]:
    """(participant id, document id) for each transcript each participant of the study speaks in.

    A skip scan of the (participant, document) index: per participant the first document, then the next one
    after it, until there is none; some 2,600 index probes for a study of 1,300 participants and 220
    interviews, where a DISTINCT or GROUP BY reads all of its 140,000 turns (issue 15). SQLite and PostgreSQL
    (up to 17) do not skip through an index on their own, hence the recursive query.
    """
    turn, participant = Turn._meta.db_table, Participant._meta.db_table
    next_document = f"SELECT MIN(t.document_id) FROM {turn} t WHERE t.participant_id = {{}}"
    sql = (
        f"WITH RECURSIVE pairs(participant_id, document_id) AS ("
        f" SELECT p.id, ({next_document.format('p.id')}) FROM {participant} p WHERE p.project_id = %s"
        f" UNION ALL SELECT pairs.participant_id,"
        f" ({next_document.format('pairs.participant_id')} AND t.document_id > pairs.document_id)"
        f" FROM pairs WHERE pairs.document_id IS NOT NULL"
        f") SELECT participant_id, document_id FROM pairs WHERE document_id IS NOT NULL"
    )
    if connection.vendor != "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(sql, [project_id])
            return cursor.fetchall()
    with transaction.atomic(), connection.cursor() as cursor:
        # The planner takes the recursion for 100 times its rows and would compile the query (JIT): 9 of
        # its 15 ms on the benchmark corpus.
        cursor.execute("SET LOCAL jit = off")
        cursor.execute(sql, [project_id])
        return cursor.fetchall()


def format_seconds(seconds):
    """00:14:32 for 872.4 seconds; empty when unknown."""
    if seconds is None:
        return ""
    whole = int(seconds)
    return f"{whole // 3600:02d}:{whole % 3600 // 60:02d}:{whole % 60:02d}"


# A draft holds the speakers' real names as found in the file: it never outlives a day.
DRAFT_MAX_AGE = datetime.timedelta(hours=24)


class ImportDraft(models.Model):
    """A parsed transcript file waiting for its speakers to be mapped and the import confirmed.

    It holds the speaker names as found in the file, so it lives only until the import is
    confirmed or discarded (and is purged after DRAFT_MAX_AGE).
    """

    project = models.ForeignKey(Project, models.CASCADE, related_name="import_drafts")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="+")
    file_name = models.CharField(max_length=255)
    source_format = models.CharField(max_length=20)
    title = models.CharField(max_length=300, blank=True)
    # {"turns": [[speaker, text, start_seconds, end_seconds], ...]}
    payload = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            # The import page: one user's drafts in one study.
            models.Index(fields=["project", "created_by"], name="importdraft_project_user_idx"),
        ]

    def __str__(self):
        return self.file_name


class SpeakerChange(models.Model):
    """History of who speaks: turns assigned to a participant, and participants merged.

    Lives beside the turns (the coding app's Change history sits above this app); the document
    history page shows both. before/after hold participant ids and labels as they were.
    """

    class Action(models.TextChoices):
        TURNS_ASSIGNED = "turns_assigned", _("Turns assigned")
        PARTICIPANTS_MERGED = "participants_merged", _("Participants merged")
        PARTICIPANT_CHANGED = "participant_changed", _("Participant changed")
        PARTICIPANT_ERASED = "participant_erased", _("Participant's data deleted")

    project = models.ForeignKey(Project, models.CASCADE, related_name="speaker_changes")
    document = models.ForeignKey(Document, models.CASCADE, null=True, blank=True, related_name="speaker_changes")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+")
    action = models.CharField(max_length=30, choices=Action.choices)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            # A document's history page, newest first.
            models.Index(fields=["document", "-created_at"], name="speakerchange_document_idx"),
        ]

    def __str__(self):
        return f"{self.action} {self.created_at:%Y-%m-%d}"


class NameWord(models.Model):
    """A name that is also an ordinary word («Are», «Per»), added by the lead to the shipped list.

    In lower case such a word is not replaced silently at import but listed for review.
    """

    project = models.ForeignKey(Project, models.CASCADE, related_name="name_words")
    word = models.CharField(_("word"), max_length=60)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["word"]
        constraints = [
            # Also serves the import: the study's extra words.
            models.UniqueConstraint(fields=["project", "word"], name="nameword_unique_per_project"),
            models.CheckConstraint(condition=~Q(word=""), name="nameword_not_empty"),
        ]

    def __str__(self):
        return self.word
