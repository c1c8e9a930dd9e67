"""The study frame: studies, who works on them, their counties, the plan register and the
one table of codable text (Document)."""

import bisect
import hashlib
import unicodedata
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from planner.validators import note_length


class Project(models.Model):
    """A study: one research project with its codebook, counties, plans and documents."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("short name"), max_length=60, unique=True)
    description = models.TextField(_("description"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("study")
        verbose_name_plural = _("studies")
        ordering = ["name"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("planner:project_detail", args=[self.slug])


class Membership(models.Model):
    class Role(models.TextChoices):
        LEAD = "lead", _("Project lead")
        ANALYST = "analyst", _("Analyst")
        VIEWER = "viewer", _("Viewer")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="memberships")
    project = models.ForeignKey(Project, models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=10, choices=Role.choices, default=Role.ANALYST)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("member")
        verbose_name_plural = _("members")
        constraints = [
            # Also serves "the studies of this user" (my studies page), led by user.
            models.UniqueConstraint(fields=["user", "project"], name="membership_one_per_user_and_project"),
            models.CheckConstraint(condition=Q(role__in=["lead", "analyst", "viewer"]), name="membership_role_valid"),
        ]
        indexes = [
            # The members page and the access helper: members of one study.
            models.Index(fields=["project", "role"], name="membership_project_role_idx"),
        ]

    def __str__(self):
        return f"{self.user} ({self.get_role_display()})"

    @property
    def can_write(self):
        return self.role in (self.Role.LEAD, self.Role.ANALYST)

    @property
    def is_lead(self):
        return self.role == self.Role.LEAD


SHORT_NAME_CHARS = 9  # what a matrix column holds at 1366 px with 15 counties and the totals


class County(models.Model):
    """A county (fylke) as the study sees it, with the figures of the report's table 1."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    project = models.ForeignKey(Project, models.CASCADE, related_name="counties")
    name = models.CharField(_("name"), max_length=100)
    municipalities = models.PositiveSmallIntegerField(_("municipalities"), default=0)
    district_municipalities = models.PositiveSmallIntegerField(_("district municipalities"), default=0)
    # Percent, as the report gives it (rounded); not always district/municipalities exactly.
    district_share = models.PositiveSmallIntegerField(_("district share (%)"), default=0)
    in_study = models.BooleanField(_("in the study"), default=True)
    reform_change = models.CharField(_("change since the 2020 reform"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("county")
        verbose_name_plural = _("counties")
        ordering = ["name"]
        constraints = [
            # Also serves the counties page: counties of one study by name.
            models.UniqueConstraint(fields=["project", "name"], name="county_unique_name_per_project"),
            models.CheckConstraint(
                condition=Q(district_municipalities__lte=models.F("municipalities")),
                name="county_district_not_above_total",
            ),
            models.CheckConstraint(condition=Q(district_share__lte=100), name="county_district_share_percent"),
        ]

    def __str__(self):
        return self.name

    @property
    def short_name(self):
        """The name for a narrow column (the matrix): up to SHORT_NAME_CHARS characters it stays as it is; a
        longer name of several words keeps all but its last, which becomes an initial («Møre og R.»); one long
        word is cut («Finnmárk.»). The template gives the whole name beside it (abbr)."""
        words = self.name.split()
        if len(self.name) <= SHORT_NAME_CHARS:
            return self.name
        if len(words) < 2:
            return f"{self.name[:SHORT_NAME_CHARS - 1]}."
        return " ".join([*words[:-1], f"{words[-1][0]}."])



class PlanType(models.TextChoices):
    KNOWLEDGE_BASE = "knowledge_base", _("Knowledge base")
    STRATEGY = "strategy", _("Regional plan strategy")
    INTEGRATION = "integration", _("Integration/diversity plan")
    BUSINESS = "business", _("Business plan")
    COMPETENCE = "competence", _("Competence plan")
    OTHER = "other", _("Other plan")


# The years the plan_year_in_range constraint allows; the plan form and the file import say so first.
PLAN_YEAR_MIN, PLAN_YEAR_MAX = 1950, 2100


class PlanStatus(models.TextChoices):
    ADOPTED = "adopted", _("Adopted")
    CONSULTATION = "consultation", _("Consultation draft")
    EXPIRED = "expired", _("Expired")


class Plan(models.Model):
    """A row of the plan register: one plan or knowledge base of a county."""

    PlanType = PlanType
    Status = PlanStatus

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    county = models.ForeignKey(County, models.PROTECT, related_name="plans", verbose_name=_("county"))
    plan_type = models.CharField(_("plan type"), max_length=20, choices=PlanType.choices)
    title = models.CharField(_("title"), max_length=300)
    year = models.PositiveSmallIntegerField(_("year"))
    status = models.CharField(_("status"), max_length=20, choices=PlanStatus.choices, default=PlanStatus.ADOPTED)
    url = models.URLField(_("URL"), max_length=500, blank=True)
    notes = models.TextField(_("notes"), blank=True, validators=[note_length])
    # The team's written assessment of the plan, as the report's appendices 3 and 4 give it.
    assessment = models.TextField(_("assessment"), blank=True, validators=[note_length])

    class Meta:
        verbose_name = _("plan")
        verbose_name_plural = _("plans")
        ordering = ["county__name", "plan_type", "title"]
        constraints = [
            # The same plan may be registered under two types (Innlandet's inclusion plan is
            # both the integration and the competence plan), so the type is part of the key.
            models.UniqueConstraint(fields=["county", "plan_type", "title", "year"], name="plan_unique_in_county"),
            models.CheckConstraint(
                condition=Q(year__gte=PLAN_YEAR_MIN, year__lte=PLAN_YEAR_MAX), name="plan_year_in_range"
            ),
            models.CheckConstraint(
                condition=Q(plan_type__in=PlanType.values), name="plan_type_valid"
            ),
            models.CheckConstraint(condition=Q(status__in=PlanStatus.values), name="plan_status_valid"),
        ]
        indexes = [
            # The plan register filtered by plan type and sorted by year.
            models.Index(fields=["plan_type", "year"], name="plan_type_year_idx"),
        ]

    def __str__(self):
        return f"{self.title} ({self.county}, {self.year})"


def normalise_text(text):
    """The one normalisation a Document's text gets before it is stored: NFC, LF line ends.

    Offsets into Document.text count code points of exactly this string (DESIGN.md).
    """
    return unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))


def text_checksum(text):
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class DocumentQuerySet(models.QuerySet):
    def without_text(self):
        """Documents without their text: lists and look-ups never need it, and on PostgreSQL reading it
        decompresses all of it."""
        return self.defer("text")


class Document(models.Model):
    """Every codable text: a transcript, a whole plan document or a pasted plan excerpt.

    The text is normalised once, when the document is created. It changes only through
    planner.services.document_text_replace: a correction (coding.revisions, which keeps a DocumentVersion)
    or a participant's erasure.
    """

    class Kind(models.TextChoices):
        TRANSCRIPT = "transcript", _("Transcript")
        PLAN = "plan", _("Plan document")
        # «Annet»: an interview guide, meeting notes, a background paper; codable and searchable, outside the
        # theme × county matrix unless it is asked for.
        OTHER = "other", _("Other document")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    project = models.ForeignKey(Project, models.CASCADE, related_name="documents")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    county = models.ForeignKey(
        County, models.PROTECT, null=True, blank=True, related_name="documents", verbose_name=_("county")
    )
    plan = models.ForeignKey(
        Plan, models.PROTECT, null=True, blank=True, related_name="documents", verbose_name=_("plan")
    )
    title = models.CharField(_("title"), max_length=300)
    text = models.TextField(_("text"))
    source_name = models.CharField(_("source file"), max_length=255, blank=True)
    source_format = models.CharField(_("source format"), max_length=20, blank=True)
    checksum = models.CharField(_("checksum (SHA-256)"), max_length=64, editable=False)
    # len(text), kept so that checks and slices never read (or on PostgreSQL, decompress) the text.
    length = models.PositiveIntegerField(_("length"), default=0, editable=False)
    # Plan documents from PDF: the offset in text where each page starts (page 1 at 0), so that
    # every offset maps to a page number. Empty for texts without pages.
    page_starts = models.JSONField(_("page starts"), default=list, blank=True)
    # The page number of the first page: 1 for whole documents, the page a pasted excerpt was
    # taken from for excerpts.
    first_page = models.PositiveIntegerField(_("first page"), default=1)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = DocumentQuerySet.as_manager()

    class Meta:
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        ordering = ["title"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=["transcript", "plan", "other"]), name="document_kind_valid"),
            # A plan document belongs to a plan; a transcript or another document never does.
            models.CheckConstraint(
                condition=Q(kind="plan", plan__isnull=False) | Q(kind__in=["transcript", "other"], plan__isnull=True),
                name="document_plan_matches_kind",
            ),
        ]
        indexes = [
            # The dashboard's documents by kind and county, and the document lists per study.
            models.Index(fields=["project", "kind", "county"], name="document_project_kind_idx"),
        ]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        adding = self._state.adding
        if adding:
            self.text = normalise_text(self.text)
            self.checksum = text_checksum(self.text)
            self.length = len(self.text)
        elif "text" in self.get_deferred_fields():
            pass  # the text was not even read, so it cannot have changed
        elif text_checksum(self.text) != self.checksum:
            # Text is immutable: offsets of coded passages point into it.
            raise ValidationError(_("The text of a document cannot be changed once it is stored."))
        super().save(*args, **kwargs)
        if adding:
            from planner.textindex import document_index  # the index module imports this one

            document_index(self)

    def page_at(self, offset):
        """The page number (from first_page) of a text offset; None for texts without pages."""
        if not self.page_starts:
            return None
        return bisect.bisect_right(self.page_starts, offset) - 1 + self.first_page


class Chunk(models.Model):
    """A stretch of a document's text, to read part of a long text without all of it (planner.textindex
    text_slice and slices): pages of plans, runs of turns of transcripts.

    `text` is Document.text[start:end] plus planner.textindex.OVERLAP characters of the next chunk (search
    read phrases across a boundary from it before the word index, Posting); readers cut it off.
    """

    document = models.ForeignKey(Document, models.CASCADE, related_name="chunks")
    position = models.PositiveIntegerField()
    start = models.PositiveIntegerField()
    end = models.PositiveIntegerField()
    page = models.PositiveIntegerField(null=True, blank=True)
    text = models.TextField()

    class Meta:
        ordering = ["document", "position"]
        constraints = [
            models.UniqueConstraint(fields=["document", "position"], name="chunk_unique_position"),
            models.CheckConstraint(condition=Q(start__lte=models.F("end")), name="chunk_span_ordered"),
        ]
        indexes = [
            # text_slice: the chunks of a document that hold a stretch of its text.
            models.Index(fields=["document", "start"], name="chunk_document_start_idx"),
        ]

    def __str__(self):
        return f"{self.document_id}:{self.start}-{self.end}"


class IndexWord(models.Model):
    """A word as search sees it (planner.textindex.WORD, lowercased), once for every document that holds it.

    The vocabulary of the word index: a search term finds its words here (LIKE '%innv%' through a trigram
    index on PostgreSQL, a scan of this small table on SQLite), then their Postings. No unique constraint:
    two imports adding one new word at once may store it twice, which changes no result (both rows are
    found). Words no document holds any more are deleted (planner.textindex.purge_words).
    """

    word = models.TextField()

    def __str__(self):
        return self.word


class Posting(models.Model):
    """Where one word stands in one document: its `count` and, in `positions`, for every occurrence its
    word number and character offset (planner.textindex.postings_of), so that search counts, NEARs and
    phrases are answered without reading the text."""

    document = models.ForeignKey(Document, models.CASCADE, related_name="postings")
    # Indexed with the document (below): the search's documents that hold these words.
    word = models.ForeignKey(IndexWord, models.CASCADE, related_name="postings", db_index=False)
    count = models.PositiveIntegerField()
    positions = models.BinaryField()

    class Meta:
        indexes = [models.Index(fields=["word", "document"], name="posting_word_document_idx")]

    def __str__(self):
        return f"{self.document_id}:{self.word_id}×{self.count}"


class DocumentVersion(models.Model):
    """One correction of a document's text (coding.revisions makes them): who, when, and what changed.

    `changes` holds the spans [start, end, new text] of the text before, `reverse` the spans [start, end, old
    text] of the text after, which put the text before back; so every version's text can be rebuilt from the
    current one without storing a copy of a 3-hour transcript per correction. `restore` is what the layers
    above need to put their offsets back on undo (excerpts, turns), opaque here.
    """

    document = models.ForeignKey(Document, models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    note = models.CharField(_("note"), max_length=200, blank=True)
    changes = models.JSONField(default=list)
    reverse = models.JSONField(default=list)
    restore = models.JSONField(default=dict, blank=True)
    # The checksum of the text this version made: an undo only applies to that text.
    checksum = models.CharField(max_length=64)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name=_("by"))
    created_at = models.DateTimeField(_("when"), auto_now_add=True)
    undone_at = models.DateTimeField(_("undone"), null=True, blank=True)

    class Meta:
        verbose_name = _("text version")
        verbose_name_plural = _("text versions")
        ordering = ["document", "-number"]
        constraints = [
            # Also serves the versions page and undo: one document's versions, newest first.
            models.UniqueConstraint(fields=["document", "number"], name="documentversion_unique_number"),
        ]

    def __str__(self):
        return f"{self.document_id} v{self.number}"


class BackgroundJob(models.Model):
    """What every kind of background job keeps in its row (planner.jobs runs them): its status, progress,
    heartbeat and attempts, so that any web process shows its progress and a job whose worker died is
    found (planner.jobs.is_stale) and run again or failed."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    done = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)
    message = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # The last sign of life: written when the job is queued again and with every progress write while it
    # runs, so that a job whose worker died is seen as stale (planner.jobs.heartbeat_stale).
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    # Runs started; a run writes only while the count is still its own, so a late run never overwrites a retry.
    attempts = models.PositiveSmallIntegerField(default=0)
    # The task framework's record of the current run (django_tasks_db's DBTaskResult id), closed as failed
    # when the run is found dead, so that no task record stays «running» either.
    task_id = models.CharField(max_length=64, blank=True, editable=False)

    class Meta:
        abstract = True


class FileJob(BackgroundJob):
    """An uploaded file read in the background by a task worker: a transcript parsed into an import draft
    or a confirmed draft stored as a transcript (interviews.jobs), or a plan file's text extracted and
    stored as a Document of its plan (planner.filejobs). `data` holds the file until the job ends, then is
    emptied; the page that started the job shows its result once (as messages) and deletes the row."""

    class Kind(models.TextChoices):
        TRANSCRIPT = "transcript", _("Transcript")
        TRANSCRIPT_IMPORT = "transcript_import", _("Transcript import")
        PLAN_FILE = "plan_file", _("Plan file")
        REFI_IMPORT = "refi_import", _("REFI-QDA project")
        OTHER_FILE = "other_file", _("Other document's file")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    project = models.ForeignKey(Project, models.CASCADE, related_name="file_jobs")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="+")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    file_name = models.CharField(max_length=255)
    data = models.BinaryField(null=True, blank=True, editable=False)
    # A plan file: the plan it belongs to, the document title asked for, and at last the Document made.
    plan = models.ForeignKey(Plan, models.CASCADE, null=True, blank=True, related_name="+")
    title = models.CharField(max_length=300, blank=True)
    document = models.ForeignKey(Document, models.SET_NULL, null=True, blank=True, related_name="+")
    # The language of the person who uploaded: the worker writes its messages in it.
    language = models.CharField(max_length=12, blank=True)
    warnings = models.JSONField(default=list, blank=True)
    # A transcript import: the draft and the choices of the import page (interviews.jobs).
    params = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=["queued", "running", "done", "failed"]),
                                   name="filejob_status_valid"),
            models.CheckConstraint(condition=Q(kind__in=["transcript", "transcript_import", "plan_file",
                                                         "refi_import", "other_file"]),
                                   name="filejob_kind_valid"),
        ]
        indexes = [
            # The import page and the plan page: one user's file jobs in one study.
            models.Index(fields=["project", "created_by", "kind"], name="filejob_project_user_idx"),
        ]

    def __str__(self):
        return self.file_name
