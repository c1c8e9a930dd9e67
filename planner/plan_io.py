"""The plan register as a spreadsheet: .xlsx and .csv in the team's columns, read, written and imported."""

import csv
import io
import zipfile
from dataclasses import asdict, dataclass
from pathlib import PurePath
from urllib.parse import urlsplit

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError, transaction
from django.utils import translation
from django.utils.translation import gettext as _

from planner.models import PLAN_YEAR_MAX, PLAN_YEAR_MIN, Plan, PlanStatus, PlanType
from planner.signals import register_columns as register_columns_signal
from planner.spreadsheets import FORMULA_START, add_sheet, csv_bytes, first_sheet_rows, new_workbook, xlsx_bytes

# The columns of the team's spreadsheet and the Plan field each holds. Headers and labels are
# data, not UI text: a file reads the same whichever language the person who wrote it used.
COLUMNS = {
    "Fylke": "county", "Type": "plan_type", "Tittel": "title", "År": "year", "Status": "status", "URL": "url",
    "Merknad": "notes",
}
HEADERS = list(COLUMNS)
FIELD_COLUMNS = {field: header for header, field in COLUMNS.items()}
REQUIRED = ("Fylke", "Type", "Tittel", "År", "Status")
TYPE_LABELS = {
    PlanType.KNOWLEDGE_BASE: "Kunnskapsgrunnlag",
    PlanType.STRATEGY: "Planstrategi",
    PlanType.INTEGRATION: "Integrerings-/mangfoldsplan",
    PlanType.BUSINESS: "Næringsplan",
    PlanType.COMPETENCE: "Kompetanseplan",
    PlanType.OTHER: "Annen plan",
}
STATUS_LABELS = {
    PlanStatus.ADOPTED: "Vedtatt",
    PlanStatus.CONSULTATION: "Høringsutkast",
    PlanStatus.EXPIRED: "Utgått",
}
MAX_ROWS = 5000
# An .xlsx of 5,000 plans unpacks to a few MB; far more is a zip bomb, not a register.
MAX_UNPACKED_BYTES = 100 * 1_048_576
CONTENT_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}
# What the import page tells about the values it takes.
FILE_GUIDE = {"type_labels": list(TYPE_LABELS.values()), "status_labels": list(STATUS_LABELS.values()),
              "year_min": PLAN_YEAR_MIN, "year_max": PLAN_YEAR_MAX}
_WIDTHS = (18, 26, 60, 8, 15, 40, 50, 60)  # columns A to H


@dataclass(frozen=True)
class Problem:
    """Why a file, or a cell of it, cannot be imported. Rows count as in the spreadsheet: the header is row 1."""

    message: str
    row: int | None = None
    column: str | None = None

    def __str__(self):
        if self.row and self.column:
            return _("Row %(row)s, column %(column)s: %(message)s") % asdict(self)
        if self.row:
            return _("Row %(row)s: %(message)s") % asdict(self)
        return self.message


class PlanImportError(Exception):
    """Nothing was imported; `problems` lists every reason at once."""

    def __init__(self, problems):
        self.problems = list(problems)
        super().__init__("; ".join(str(problem) for problem in self.problems))


@dataclass(frozen=True)
class SheetRow:
    number: int  # as the spreadsheet shows it
    cells: dict  # header of HEADERS -> the cell's text


@dataclass(frozen=True)
class ImportSummary:
    created: int
    changed: int
    unchanged: int

    def __str__(self):
        return _("%(created)s created, %(changed)s changed, %(unchanged)s unchanged.") % asdict(self)


# --- Writing --------------------------------------------------------------------------------------

# Columns the files carry after HEADERS and an import passes over: the team's assessment, and the
# columns other apps add (RegisterColumn), whose headers start with «Søk: ».
ASSESSMENT = "Vurdering"
EXTRA_PREFIX = "Søk: "


@dataclass(frozen=True)
class RegisterColumn:
    """A column another app adds to the register: a number per plan (0 shown as «–»), each with a link."""

    label: str
    counts: dict  # plan id -> int
    links: dict  # plan id -> URL of what was counted

    @property
    def header(self):
        return f"{EXTRA_PREFIX}{self.label}"

    def cell(self, plan):
        """The column's cell of a plan: its count and link, or None for nothing."""
        count = self.counts.get(plan.pk, 0)
        return {"count": count, "link": self.links.get(plan.pk) if count else None}


def register_columns(project, plans):
    """The columns every app adds to the register of these plans (planner.signals.register_columns)."""
    answers = register_columns_signal.send(sender=Plan, project=project, plans=list(plans))
    return [column for _receiver, columns in answers for column in columns or ()]


def headers(columns=()):
    return [*HEADERS, ASSESSMENT, *(column.header for column in columns)]


def plan_rows(plans, columns=()):
    """The cells of each plan, in the order of headers(columns); a count of 0 is «–», as in the report."""
    for plan in plans:
        yield [plan.county.name, TYPE_LABELS.get(plan.plan_type, plan.plan_type), plan.title, plan.year,
               STATUS_LABELS.get(plan.status, plan.status), plan.url, plan.notes, plan.assessment,
               *(column.counts.get(plan.pk) or "–" for column in columns)]


def write_xlsx(rows, columns=()):
    workbook = new_workbook()
    add_sheet(workbook, "Planregister", [headers(columns), *rows], widths=_WIDTHS, auto_filter=True)
    return xlsx_bytes(workbook)


def write_csv(rows, columns=()):
    return csv_bytes([headers(columns), *rows])


WRITERS = {"xlsx": write_xlsx, "csv": write_csv}


# --- Reading --------------------------------------------------------------------------------------


def size_problem(name, size, max_bytes):
    if size > max_bytes:
        return Problem(_("%(name)s is too large (%(size).1f MB); the limit is %(limit)s MB.") % {
            "name": name, "size": size / 1_048_576, "limit": max_bytes // 1_048_576})
    return None


def read_plan_file(name, data, *, max_bytes=None):
    """The data rows of an .xlsx or .csv file whose columns are the register's; PlanImportError otherwise."""
    reader = {".xlsx": _read_xlsx, ".csv": _read_csv}.get(PurePath(name).suffix.lower())
    if reader is None:
        raise PlanImportError([Problem(_("%(name)s cannot be imported: use an .xlsx or a .csv file.")
                                       % {"name": name})])
    if max_bytes is not None and (problem := size_problem(name, len(data), max_bytes)):
        raise PlanImportError([problem])
    if not data:
        raise PlanImportError([Problem(_("%(name)s is empty.") % {"name": name})])
    return _sheet_rows(name, reader(name, data))


def _read_xlsx(name, data):
    """The first worksheet's rows, as Excel shows them (cached values of formulas)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            if "xl/workbook.xml" not in archive.namelist():
                raise _not_xlsx(name)
            # zipfile never inflates a part past its declared size, so the declared sizes are a safe cap.
            if sum(info.file_size for info in archive.infolist()) > MAX_UNPACKED_BYTES:
                raise _not_xlsx(name)
        return _numbered(name, first_sheet_rows(data))
    except PlanImportError:
        raise
    except Exception as error:  # zipfile, openpyxl and the XML parser raise many kinds; all mean a broken file.
        raise _not_xlsx(name) from error


def _read_csv(name, data):
    if b"\x00" in data:
        raise _not_csv(name)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Norwegian Excel's plain "CSV" (not "CSV UTF-8") is Windows-1252.
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError as error:
            raise _not_csv(name) from error
    try:
        return _numbered(name, csv.reader(io.StringIO(text, newline=""), delimiter=_sniff_delimiter(text)))
    except csv.Error as error:
        raise _not_csv(name) from error


def _sniff_delimiter(text):
    """The separator the header row uses most; the header names hold none of them."""
    header = text.split("\n", 1)[0]
    return max([",", ";", "\t"], key=header.count)


def _not_xlsx(name):
    return PlanImportError([Problem(
        _("%(name)s is not a valid Excel file (.xlsx). Open it in Excel and save it as .xlsx.") % {"name": name})])


def _not_csv(name):
    return PlanImportError([Problem(
        _("%(name)s is not a valid CSV file. Save the spreadsheet as CSV (UTF-8) or as .xlsx.") % {"name": name})])


def _numbered(name, rows):
    """(row number, cell texts) of the rows that hold anything, at most the header and MAX_ROWS more."""
    numbered = []
    for number, values in enumerate(rows, start=1):
        cells = [_text(value) for value in values]
        if not any(cells):
            continue
        if len(numbered) > MAX_ROWS:
            raise PlanImportError([Problem(_("%(name)s has more than %(max)s plans; split it into smaller files.")
                                           % {"name": name, "max": MAX_ROWS})])
        numbered.append((number, cells))
    return numbered


def _text(value):
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # Excel stores every number as a float: 2024.0 is the year 2024.
    text = str(value).strip()
    if text[:1] == "'" and text[1:2] in FORMULA_START:
        text = text[1:]  # undo write_csv's guard, so that an export reads back as it was
    return text


def _sheet_rows(name, numbered):
    if not numbered:
        raise PlanImportError([Problem(_("%(name)s is empty.") % {"name": name})])
    (header_number, header), data = numbered[0], numbered[1:]
    known = {title.casefold(): title for title in HEADERS}
    positions, problems = {}, []
    for index, title in enumerate(header):
        if not title or title.casefold() == ASSESSMENT.casefold() or title.startswith(EXTRA_PREFIX):
            continue  # written by the export, not read back (see ASSESSMENT)
        canonical = known.get(title.casefold())
        if canonical is None:
            problems.append(Problem(_("Unknown column. The columns are %(columns)s.") % {"columns": ", ".join(HEADERS)},
                                    row=header_number, column=title))
        elif canonical in positions:
            problems.append(Problem(_("This column appears twice."), row=header_number, column=title))
        else:
            positions[canonical] = index
    problems += [Problem(_("This column is missing."), row=header_number, column=title)
                 for title in HEADERS if title not in positions]
    if problems:
        raise PlanImportError(problems)
    return [
        SheetRow(number, {title: cells[index] if index < len(cells) else "" for title, index in positions.items()})
        for number, cells in data
    ]


# --- Importing ------------------------------------------------------------------------------------


def _choices(labels, choices):
    """Lookup of a cell's casefolded text: the Norwegian label, the code and the English label."""
    lookup = {}
    with translation.override("en"):
        for code, label in choices:
            for text in (labels[code], code, str(label)):
                lookup[text.casefold()] = code
    return lookup


@transaction.atomic
def plans_import(*, project, rows):
    """Create the rows' new plans and update the others, all or nothing.

    A plan is the same plan when county, type, title and year match; its status, URL and
    notes are then taken from the row. Plans that are not in the rows are left alone.
    Returns an ImportSummary; raises PlanImportError listing every problem, having saved nothing.
    """
    counties = {county.name.casefold(): county for county in project.counties.all()}
    existing = {_key(plan): plan for plan in Plan.objects.filter(county__project=project)}
    types = _choices(TYPE_LABELS, PlanType.choices)
    statuses = _choices(STATUS_LABELS, PlanStatus.choices)
    problems, first_row, created, changed, unchanged = [], {}, [], [], 0
    for row in rows:
        values, row_problems = _values(row, counties, types, statuses)
        if row_problems:
            problems += row_problems
            continue
        key = (values["county"].pk, values["plan_type"], values["title"], values["year"])
        if key in first_row:
            problems.append(Problem(_("The same plan (county, type, title and year) as row %(row)s.")
                                    % {"row": first_row[key]}, row=row.number, column="Tittel"))
            continue
        first_row[key] = row.number
        plan = existing.get(key) or Plan()
        before = _editable(plan)
        for field, value in values.items():
            setattr(plan, field, value)
        try:
            # Keys, choices and years are checked above without a query per row, and the
            # database constraints stand behind them; what is left is lengths and the URL.
            plan.full_clean(exclude=["county"], validate_unique=False, validate_constraints=False)
        except ValidationError as error:
            problems += [Problem(message, row=row.number, column=FIELD_COLUMNS.get(field))
                         for field, messages in error.message_dict.items() if field != NON_FIELD_ERRORS
                         for message in messages]
            continue
        if plan.pk is None:
            created.append(plan)
        elif _editable(plan) != before:
            changed.append(plan)
        else:
            unchanged += 1
    if problems:
        raise PlanImportError(problems)
    try:
        with transaction.atomic():
            Plan.objects.bulk_create(created)
            Plan.objects.bulk_update(changed, ["status", "url", "notes"])
    except IntegrityError as error:
        raise PlanImportError([Problem(_("The plan register changed while the file was read. Import it again."))]) \
            from error
    return ImportSummary(created=len(created), changed=len(changed), unchanged=unchanged)


def _key(plan):
    return (plan.county_id, plan.plan_type, plan.title, plan.year)


def _editable(plan):
    return (plan.status, plan.url, plan.notes)


def _values(row, counties, types, statuses):
    """The Plan fields of one row, and the problems of its cells."""
    cells, values, problems = row.cells, {}, []

    def problem(column, message):
        problems.append(Problem(message, row=row.number, column=column))

    for column in REQUIRED:
        if not cells[column]:
            problem(column, _("The cell is empty."))
    if county := cells["Fylke"]:
        values["county"] = counties.get(county.casefold())
        if values["county"] is None:
            problem("Fylke", _("The study has no county called «%(value)s».") % {"value": county})
    if plan_type := cells["Type"]:
        values["plan_type"] = types.get(plan_type.casefold())
        if values["plan_type"] is None:
            problem("Type", _("Unknown plan type «%(value)s». Use one of: %(labels)s.") % {
                "value": plan_type, "labels": ", ".join(TYPE_LABELS.values())})
    if status := cells["Status"]:
        values["status"] = statuses.get(status.casefold())
        if values["status"] is None:
            problem("Status", _("Unknown status «%(value)s». Use one of: %(labels)s.") % {
                "value": status, "labels": ", ".join(STATUS_LABELS.values())})
    if year := cells["År"]:
        if not (year.isascii() and year.isdigit()):
            problem("År", _("«%(value)s» is not a year.") % {"value": year})
        elif not PLAN_YEAR_MIN <= int(year) <= PLAN_YEAR_MAX:
            problem("År", _("The year must be between %(min)s and %(max)s.") % {"min": PLAN_YEAR_MIN,
                                                                                 "max": PLAN_YEAR_MAX})
        else:
            values["year"] = int(year)
    values["title"] = cells["Tittel"]
    url = cells["URL"]
    # As the plan form does: a URL typed without a scheme is an https address.
    values["url"] = f"https://{url}" if url and not urlsplit(url).scheme else url
    values["notes"] = cells["Merknad"]
    problems.sort(key=lambda problem: HEADERS.index(problem.column))  # in the order of the columns
    return values, problems
