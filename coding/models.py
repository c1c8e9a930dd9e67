"""The codebook (Theme), coded passages (Excerpt) and their themes (Coding), theme summaries, saved searches."""

import uuid
from urllib.parse import urlencode

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from planner.models import BackgroundJob, County, Document, Project
from planner.validators import note_length

colour_validator = RegexValidator(r"^#[0-9a-fA-F]{6}$", _("Enter a colour as #RRGGBB."))

# Kelly's colours of maximum contrast without white and black, in the order the study template
# gives them out, then those it leaves; a new theme takes the first one no theme has yet.
THEME_COLOURS = (
    "#0067A5", "#F38400", "#BE0032", "#008856", "#875692", "#F3C300", "#A1CAF1", "#E68FAC", "#848482", "#C2B280",
    "#604E97", "#F99379", "#8DB600", "#B3446C", "#882D17", "#DCD300", "#2B3D26", "#F6A600", "#654522", "#E25822",
)


class ThemeQuerySet(models.QuerySet):
    def active(self):
        """The themes the picker offers: archived ones leave it, not history."""
        return self.filter(archived=False)

    def in_codebook_order(self, *, archived_last=False):
        """By position, then name: the order of the codebook, before nesting (coding.quotes.codebook_order);
        `archived_last` as the codebook page lists them."""
        return self.order_by(*(["archived"] if archived_last else []), "position", "name")

    def next_colour(self):
        """The colour for a new theme among these: the first of THEME_COLOURS none has, else the least used."""
        used = [colour.upper() for colour in self.values_list("colour", flat=True)]
        return min(THEME_COLOURS, key=lambda colour: (used.count(colour), THEME_COLOURS.index(colour)))


class ExcerptQuerySet(models.QuerySet):
    def of_study(self, project):
        """The study's excerpts (through their document: an excerpt has no study of its own)."""
        return self.filter(document__project=project)

    def settled(self):
        """Without the excerpts of documents still coded blind (blind_documents): what review and exports read."""
        return self.exclude(document_id__in=blind_documents())


class CodingQuerySet(models.QuerySet):
    def settled(self):
        """Without the codings of documents still coded blind (blind_documents): what review and exports read."""
        return self.exclude(document_id__in=blind_documents())


class Theme(models.Model):
    """A theme (tema) of a study's codebook. Archived themes leave the picker, not history."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    project = models.ForeignKey(Project, models.CASCADE, related_name="themes")
    name = models.CharField(_("name"), max_length=120)
    description = models.TextField(_("description"), blank=True)
    colour = models.CharField(_("colour"), max_length=7, default="#888888", validators=[colour_validator])
    parent = models.ForeignKey(
        "self", models.PROTECT, null=True, blank=True, related_name="children", verbose_name=_("parent theme")
    )
    position = models.PositiveIntegerField(_("position"), default=0)
    shortcut_key = models.CharField(_("shortcut key"), max_length=1, blank=True)
    archived = models.BooleanField(_("archived"), default=False)

    objects = ThemeQuerySet.as_manager()

    class Meta:
        verbose_name = _("theme")
        verbose_name_plural = _("themes")
        ordering = ["position", "name"]
        constraints = [
            models.UniqueConstraint(fields=["project", "name"], name="theme_unique_name_per_project"),
            models.UniqueConstraint(
                fields=["project", "shortcut_key"], condition=~Q(shortcut_key=""),
                name="theme_unique_shortcut_per_project",
            ),
            models.CheckConstraint(condition=Q(colour__regex=r"^#[0-9a-fA-F]{6}$"), name="theme_colour_hex"),
            models.CheckConstraint(condition=~Q(parent=models.F("id")), name="theme_not_own_parent"),
        ]
        indexes = [
            # The codebook and the theme picker: themes of one study in codebook order.
            models.Index(fields=["project", "position"], name="theme_project_position_idx"),
        ]

    def __str__(self):
        return self.name


class Excerpt(models.Model):
    """A coded passage: code points [start, end) of Document.text, with one or more themes.

    `version` goes up with every change, so an edit based on an old version is refused
    instead of silently overwriting a colleague's change.
    """

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    document = models.ForeignKey(Document, models.PROTECT, related_name="excerpts")
    start = models.PositiveIntegerField(_("start"))
    end = models.PositiveIntegerField(_("end"))
    coder = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="excerpts",
        verbose_name=_("coder"),
    )
    memo = models.TextField(_("memo"), blank=True, validators=[note_length])
    is_key = models.BooleanField(_("key quote"), default=False)
    themes = models.ManyToManyField(Theme, through="Coding", related_name="excerpts", verbose_name=_("themes"))
    version = models.PositiveIntegerField(default=1)
    # The words under the excerpt were corrected (coding.revisions) since its coder last saved it: shown
    # as «text changed» until they check it.
    text_changed = models.BooleanField(_("text changed"), default=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("changed"), auto_now=True)

    objects = ExcerptQuerySet.as_manager()

    class Meta:
        verbose_name = _("excerpt")
        verbose_name_plural = _("excerpts")
        ordering = ["document", "start", "end"]
        constraints = [
            models.CheckConstraint(condition=Q(start__lt=models.F("end")), name="excerpt_not_empty"),
        ]
        indexes = [
            # The document view: the excerpts of one document in text order.
            models.Index(fields=["document", "start"], name="excerpt_document_start_idx"),
        ]

    def __str__(self):
        return f"{self.document_id}:{self.start}-{self.end}"

    def text(self, document_text=None):
        return (document_text if document_text is not None else self.document.text)[self.start:self.end]


class Coding(models.Model):
    """One theme on one excerpt. Counts per theme are counts of these rows.

    `document` repeats the excerpt's document (an excerpt never moves to another one), so that
    the matrix groups a study's codings by document and excerpt from one index, without
    joining a hundred thousand excerpts. Whoever creates a Coding sets it: there is no default.
    """

    excerpt = models.ForeignKey(Excerpt, models.CASCADE, related_name="codings")
    theme = models.ForeignKey(Theme, models.PROTECT, related_name="codings")
    document = models.ForeignKey(Document, models.CASCADE, related_name="+", editable=False, db_index=False)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = CodingQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["excerpt", "theme"], name="coding_one_theme_once_per_excerpt"),
        ]
        indexes = [
            # The matrix and the quote collections: the excerpts of a theme.
            models.Index(fields=["theme", "excerpt"], name="coding_theme_excerpt_idx"),
            # The matrix: each excerpt's themes, document by document, read from the index alone.
            models.Index(fields=["document", "excerpt", "theme"], name="coding_document_excerpt_idx"),
        ]

    def __str__(self):
        return f"{self.theme_id} on {self.excerpt_id}"

    def save(self, *args, **kwargs):
        # One by one (the admin, a shell) a coding takes its excerpt's document itself; the
        # services' bulk_create, which skips save(), sets it.
        self.document_id = self.excerpt.document_id
        super().save(*args, **kwargs)


class ThemeSummary(models.Model):
    """What the team concludes about a theme (county null), or a note on a theme in one county.

    Analysts write drafts; the project lead marks them reviewed. `version` goes up with every
    save, so that a save based on an old version is refused instead of overwriting a colleague.
    """

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        REVIEWED = "reviewed", _("Reviewed")

    # The summary's GUID in REFI-QDA exchange files (a Note): the same in every export.
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    project = models.ForeignKey(Project, models.CASCADE, related_name="theme_summaries")
    # PROTECT, like Coding: written analysis never disappears with a theme; merged themes are archived.
    theme = models.ForeignKey(Theme, models.PROTECT, related_name="summaries", verbose_name=_("theme"))
    county = models.ForeignKey(
        County, models.PROTECT, null=True, blank=True, related_name="theme_summaries", verbose_name=_("county")
    )
    text = models.TextField(_("text"), validators=[note_length])
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("last edited by"),
    )
    updated_at = models.DateTimeField(_("last edited"), auto_now=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("reviewed by"),
    )
    reviewed_at = models.DateTimeField(_("reviewed"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("theme summary")
        verbose_name_plural = _("theme summaries")
        ordering = ["theme", "id"]
        constraints = [
            # Also serve the collection page: the summary and the county notes of one theme.
            models.UniqueConstraint(fields=["theme"], condition=Q(county__isnull=True),
                                    name="themesummary_one_per_theme"),
            models.UniqueConstraint(fields=["theme", "county"], condition=Q(county__isnull=False),
                                    name="themesummary_one_note_per_theme_and_county"),
            models.CheckConstraint(condition=Q(status__in=["draft", "reviewed"]), name="themesummary_status_valid"),
        ]

    def __str__(self):
        return f"{self.theme} ({self.county})" if self.county_id else str(self.theme)

    @property
    def is_reviewed(self):
        return self.status == self.Status.REVIEWED


class SavedSearch(models.Model):
    """One of the team's standing searches («innv», «distrikt» …), re-run with one click."""

    project = models.ForeignKey(Project, models.CASCADE, related_name="saved_searches")
    query = models.CharField(_("search terms"), max_length=300)
    kind = models.CharField(_("kind"), max_length=20, blank=True)
    # The rest of the search form as plain values (coding.forms.SearchForm.params): mode and filters.
    params = models.JSONField(default=dict, blank=True)
    # Chosen by the lead: the plan register shows this search's hits per plan as a column.
    in_register = models.BooleanField(_("column in the plan register"), default=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["query"]
        constraints = [
            models.UniqueConstraint(fields=["project", "query", "kind"], name="savedsearch_unique_per_project"),
        ]

    def __str__(self):
        return self.query

    def form_data(self):
        """The search form's data that re-runs this search."""
        return {"q": self.query, "kind": self.kind, **{k: v for k, v in self.params.items() if v not in (None, "")}}

    def querystring(self):
        return urlencode(self.form_data())


class Change(models.Model):
    """History: who created, changed or deleted an excerpt or a theme, when, before and after.

    before/after are the snapshots `coding.services` takes; undo restores `before`.
    """

    class Action(models.TextChoices):
        EXCERPT_CREATED = "excerpt_created", _("Excerpt created")
        EXCERPT_CHANGED = "excerpt_changed", _("Excerpt changed")
        EXCERPT_DELETED = "excerpt_deleted", _("Excerpt deleted")
        # A correction deleted all of an excerpt's words: kept here (with its passage) for the lead.
        EXCERPT_ORPHANED = "excerpt_orphaned", _("Excerpt's text deleted")
        TEXT_CORRECTED = "text_corrected", _("Text corrected")
        TEXT_RESTORED = "text_restored", _("Text correction undone")
        DOCUMENT_DELETED = "document_deleted", _("Document deleted")
        THEME_CREATED = "theme_created", _("Theme created")
        THEME_CHANGED = "theme_changed", _("Theme changed")
        THEME_MERGED = "theme_merged", _("Theme merged")
        DOUBLE_CODING_SET = "double_coding_set", _("Set to double coding")
        DISAGREEMENT_SETTLED = "settled", _("Disagreement settled")
        DOUBLE_CODING_REVEALED = "revealed", _("Double coding revealed")
        # Search hits coded in one go, and that batch undone: one row each (coding.services.hits_code).
        HITS_CODED = "hits_coded", _("Search hits coded")
        HITS_UNCODED = "hits_uncoded", _("Coded search hits undone")

    project = models.ForeignKey(Project, models.CASCADE, related_name="changes")
    document = models.ForeignKey(Document, models.CASCADE, null=True, blank=True, related_name="changes")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+")
    action = models.CharField(max_length=20, choices=Action.choices)
    object_uuid = models.UUIDField()
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    undone_at = models.DateTimeField(null=True, blank=True)
    # Set on the changes an undo made, so that the next undo goes further back, not forward.
    undoes = models.ForeignKey("self", models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            # A document's history, newest first, and a user's last change there (undo).
            models.Index(fields=["document", "-created_at"], name="change_document_idx"),
            # Live updates: the changes in a document after a given id.
            models.Index(fields=["document", "id"], name="change_document_id_idx"),
        ]

    def __str__(self):
        return f"{self.action} {self.object_uuid}"


class DoubleCodingQuerySet(models.QuerySet):
    def unrevealed(self):
        return self.filter(revealed_at__isnull=True)


def blind_documents():
    """The ids of documents under double coding not yet revealed (a subquery).

    Their coding is not the study's yet: review pages and exports leave them out until the lead
    reveals them; the coding view shows each member only their own excerpts there (the lead all).
    """
    return DoubleCoding.objects.unrevealed().values("document_id")


class DoubleCoding(models.Model):
    """A document that two or more named coders code blind, each seeing only their own excerpts,
    until the project lead compares, settles and reveals it.

    `snapshot` keeps the named coders' excerpts as they stood at reveal ([coder id, start, end,
    [theme ids]] each), so the agreement report stays what it was after settling trims the coding.
    """

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    project = models.ForeignKey(Project, models.CASCADE, related_name="double_codings")
    document = models.OneToOneField(Document, models.CASCADE, related_name="double_coding")
    coders = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="+", verbose_name=_("coders"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    revealed_at = models.DateTimeField(null=True, blank=True)
    revealed_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True,
                                    related_name="+")
    snapshot = models.JSONField(null=True, blank=True, editable=False)

    objects = DoubleCodingQuerySet.as_manager()

    class Meta:
        verbose_name = _("double coding")
        verbose_name_plural = _("double codings")
        ordering = ["document_id"]
        indexes = [
            # The study's double-coded documents (the agreement page); the blind filter reads the few unrevealed.
            models.Index(fields=["project", "revealed_at"], name="doublecoding_project_idx"),
        ]

    def __str__(self):
        return f"double coding of {self.document_id}"

    @property
    def is_revealed(self):
        return self.revealed_at is not None


class Settlement(models.Model):
    """The lead's decision on one disagreement of a double-coded document: for `theme`, the stretch
    [start, end) takes one coder's coding (`kept_coder`) or the lead's consensus excerpt."""

    double_coding = models.ForeignKey(DoubleCoding, models.CASCADE, related_name="settlements")
    theme = models.ForeignKey(Theme, models.PROTECT, related_name="+")
    start = models.PositiveIntegerField()
    end = models.PositiveIntegerField()
    kept_coder = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True,
                                   related_name="+")
    excerpt = models.ForeignKey(Excerpt, models.SET_NULL, null=True, blank=True, related_name="+")
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+")
    decided_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["double_coding", "theme", "start"]
        constraints = [
            # Also serves the comparison view: the settlements of one document.
            models.UniqueConstraint(fields=["double_coding", "theme", "start", "end"],
                                    name="settlement_one_per_disagreement"),
            models.CheckConstraint(condition=Q(start__lt=models.F("end")), name="settlement_not_empty"),
        ]

    def __str__(self):
        return f"{self.theme_id} {self.start}-{self.end}"

    @property
    def is_consensus(self):
        return self.kept_coder_id is None


class Memo(models.Model):
    """A note on a document, a participant, a county or the whole study (memos on excerpts live on Excerpt)."""

    class Kind(models.TextChoices):
        DOCUMENT = "document", _("Document")
        PARTICIPANT = "participant", _("Participant")
        COUNTY = "county", _("County")
        STUDY = "study", _("Study")

    project = models.ForeignKey(Project, models.CASCADE, related_name="memos")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    document = models.ForeignKey(Document, models.CASCADE, null=True, blank=True, related_name="memos",
                                 verbose_name=_("document"))
    participant = models.ForeignKey("interviews.Participant", models.CASCADE, null=True, blank=True,
                                    related_name="memos", verbose_name=_("participant"))
    county = models.ForeignKey(County, models.CASCADE, null=True, blank=True, related_name="memos",
                               verbose_name=_("county"))
    text = models.TextField(_("memo"), validators=[note_length])
    author = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+",
                               verbose_name=_("author"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("memo")
        verbose_name_plural = _("memos")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=["document", "participant", "county", "study"]),
                                   name="memo_kind_valid"),
            # Exactly the target its kind names.
            models.CheckConstraint(condition=(
                Q(kind="study", document__isnull=True, participant__isnull=True, county__isnull=True)
                | Q(kind="document", document__isnull=False, participant__isnull=True, county__isnull=True)
                | Q(kind="participant", document__isnull=True, participant__isnull=False, county__isnull=True)
                | Q(kind="county", document__isnull=True, participant__isnull=True, county__isnull=False)),
                name="memo_target_matches_kind"),
        ]
        indexes = [
            # The memo list: one study's memos, newest first.
            models.Index(fields=["project", "-created_at"], name="memo_project_created_idx"),
        ]

    def __str__(self):
        return self.text[:40]

    @property
    def target(self):
        return self.document or self.participant or self.county


class WatchName(models.Model):
    """A name that must not slip into a publication export: a county, a municipality or a person.

    Each study's list starts with its counties; the lead edits it, can load Norway's
    municipalities, and can record participants' real names privately at import. Only the lead
    sees the list, because it can hold real names.
    """

    class Kind(models.TextChoices):
        COUNTY = "county", _("County")
        MUNICIPALITY = "municipality", _("Municipality")
        PERSON = "person", _("Person")
        OTHER = "other", _("Other name")

    project = models.ForeignKey(Project, models.CASCADE, related_name="watch_names")
    name = models.CharField(_("name"), max_length=120)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.OTHER)
    # The participant whose real name this is (kind person), when recorded at import.
    participant = models.ForeignKey(
        "interviews.Participant", models.CASCADE, null=True, blank=True, related_name="+",
        verbose_name=_("participant"),
    )
    source = models.CharField(_("source"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("watched name")
        verbose_name_plural = _("watched names")
        ordering = ["kind", "name"]
        constraints = [
            # Also serves the watch list page and the anonymity check: one study's names.
            models.UniqueConstraint(fields=["project", "name"], name="watchname_unique_per_project"),
            models.CheckConstraint(condition=~Q(name=""), name="watchname_not_empty"),
            models.CheckConstraint(condition=Q(kind__in=["county", "municipality", "person", "other"]),
                                   name="watchname_kind_valid"),
        ]

    def __str__(self):
        return self.name


class ExportJob(BackgroundJob):
    """One export of quotes to a file, made in the background so that a long one blocks nobody.

    `options` holds the choices (coding.exports.options.ExportOptions.to_json) and `decisions`
    the anonymity check's choices per excerpt. A task worker (coding.exports.jobs) makes the file
    and keeps it in `content` until it is purged, so that any web process can serve it.
    """

    class Format(models.TextChoices):
        DOCX = "docx", "Word (.docx)"
        XLSX = "xlsx", "Excel (.xlsx)"
        CSV = "csv", "CSV (.csv)"
        QDPX = "qdpx", "REFI-QDA (.qdpx)"
        QDC = "qdc", "REFI-QDA codebook (.qdc)"
        BACKUP = "backup", _("Backup (.qdpx)")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    project = models.ForeignKey(Project, models.CASCADE, related_name="export_jobs")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="+")
    format = models.CharField(_("format"), max_length=10, choices=Format.choices)
    options = models.JSONField(default=dict)
    decisions = models.JSONField(default=dict, blank=True)
    file_name = models.CharField(max_length=255, blank=True)
    content = models.BinaryField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("export")
        verbose_name_plural = _("exports")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=["queued", "running", "done", "failed"]),
                                   name="exportjob_status_valid"),
            models.CheckConstraint(condition=Q(format__in=["docx", "xlsx", "csv", "qdpx", "qdc", "backup"]),
                                   name="exportjob_format_valid"),
        ]
        indexes = [
            # The export page: one user's recent exports in one study.
            models.Index(fields=["project", "created_by", "-created_at"], name="exportjob_project_user_idx"),
        ]

    def __str__(self):
        return f"{self.format} {self.uuid}"


class ExchangeImport(models.Model):
    """The report of one REFI-QDA import (coding.exports.refi_import.ImportReport as JSON): what came in, what the
    file held that Kodeverk cannot store, and each selection moved or left out, with the reason. Kept with the
    study it made or changed, so that its members can read it again."""

    class Kind(models.TextChoices):
        PROJECT = "project", _("Project (.qdpx)")
        CODEBOOK = "codebook", _("Codebook")
        BACKUP = "backup", _("Backup")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    project = models.ForeignKey(Project, models.CASCADE, related_name="exchange_imports")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+")
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.PROJECT)
    file_name = models.CharField(max_length=255, blank=True)
    report = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=["project", "codebook", "backup"]),
                                   name="exchangeimport_kind_valid"),
        ]

    def __str__(self):
        return self.file_name
