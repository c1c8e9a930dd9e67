"""The theme × county matrix: how many excerpts, informants or documents each theme has in each county.

Every cell, row total, column total and the grand total is a distinct count. One statement,
whatever the number of themes, counties and excerpts, groups them in the database by county
and set of themes; the few thousand groups it returns are added up here (`_tally`).
"""

from dataclasses import dataclass, field

from django.db import connection
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from coding import quotes
from coding.models import Coding, DoubleCoding, Excerpt, Theme
from interviews.models import Participant, Turn
from planner.models import Document
from planner.spreadsheets import add_sheet, bold, csv_bytes, new_workbook, xlsx_bytes

COUNTS = {"excerpts": gettext_lazy("Excerpts"), "informants": gettext_lazy("Informants"),
          "documents": gettext_lazy("Documents")}
SOURCES = {"both": gettext_lazy("Interviews and plans"), "interviews": gettext_lazy("Interviews"),
           "plans": gettext_lazy("Plans"), "all": gettext_lazy("Interviews, plans and other documents")}
ORDERS = {"name": gettext_lazy("By name"), "district": gettext_lazy("By district share")}
KINDS = {"interviews": [Document.Kind.TRANSCRIPT], "plans": [Document.Kind.PLAN],
         "both": [Document.Kind.TRANSCRIPT, Document.Kind.PLAN],
         # Other documents (an interview guide …) only when asked for: they are not the study's data.
         "all": [Document.Kind.TRANSCRIPT, Document.Kind.PLAN, Document.Kind.OTHER]}
INFORMANT_ROLES = tuple(role.value for role in quotes.INFORMANT_ROLES)


@dataclass
class Cell:
    county: object
    value: int
    level: float = 0.0  # value / the largest cell, for shading


@dataclass
class Row:
    theme: Theme
    depth: int
    parent: "Row | None" = None
    children: list = field(default_factory=list)
    cells: list = field(default_factory=list)  # a Cell per column, in the order of Matrix.columns
    total: int = 0

    def subtree(self):
        """The row's theme and every theme nested under it, at any depth."""
        yield self.theme
        for child in self.children:
            yield from child.subtree()


@dataclass
class Matrix:
    count: str
    sources: str
    coder: object
    county_order: str
    columns: list  # the study's counties (in_study), in county_order
    rows: list  # every row in codebook order, each main theme's sub-themes right after it
    column_totals: list
    total: int
    max: int

    def value(self, theme_id, county_id):
        """The cell of a theme and a county (for tests and scripts)."""
        row = next(row for row in self.rows if row.theme.pk == theme_id)
        return next(cell.value for cell in row.cells if cell.county.pk == county_id)


def matrix(*, project, count="excerpts", sources="both", coder=None, county_order="name", with_blind=False):
    """The theme × county matrix of a study.

    count: distinct "excerpts", "documents", or "informants" (the advisers and leaders who speak
    in the turn that contains an excerpt's start; plan excerpts have none). sources: documents
    of kind transcript ("interviews"), plan ("plans") or "both". coder: only this user's
    excerpts. Columns are the counties in the study; documents of other counties or of none
    are left out. Rows are the codebook's themes, and archived themes that excerpts still
    have. A main theme's row counts its own excerpts and its sub-themes' together, each once.
    Documents still coded blind are left out, unless `with_blind` and a `coder` are given: then the
    coder's excerpts there count too (coding.access.counts_blind_coding_of says for whom).
    """
    if count not in COUNTS or sources not in SOURCES or county_order not in ORDERS:
        raise ValueError(f"Unknown matrix option: {count!r}, {sources!r}, {county_order!r}")
    ordering = ["-district_share", "name"] if county_order == "district" else ["name"]
    columns = list(project.counties.filter(in_study=True).order_by(*ordering))
    rows = _rows(_shown_themes(project))
    records = _records(project=project, rows=rows, columns=columns, count=count, sources=sources, coder=coder,
                       with_blind=with_blind and coder is not None)
    cells, row_totals, column_totals, total = _tally(records, rows, columns)
    top = max((n for line in cells for n in line), default=0)
    for row, line, row_total in zip(rows, cells, row_totals, strict=True):
        row.cells = [Cell(county, n, round(n / top, 2) if top else 0) for county, n in zip(columns, line, strict=True)]
        row.total = row_total
    return Matrix(count=count, sources=sources, coder=coder, county_order=county_order, columns=columns, rows=rows,
                  column_totals=column_totals, total=total, max=top)


def _shown_themes(project):
    """The codebook's themes, and archived themes only while excerpts still have them."""
    coded = Exists(Coding.objects.filter(theme=OuterRef("pk")))
    return list(project.themes.filter(Q(archived=False) | coded).in_codebook_order())


def _rows(themes):
    """A Row per theme in codebook order (coding.quotes.codebook_order), each linked to its parent's Row."""
    by_id = {theme.pk: Row(theme=theme, depth=theme.depth) for theme in quotes.codebook_order(themes)}
    for row in by_id.values():
        parent = by_id.get(row.theme.parent_id)
        if parent is not None:
            row.parent = parent
            parent.children.append(row)
    return list(by_id.values())


def _tally(records, rows, columns):
    """Cells, row totals, column totals and the grand total from the database's records.

    A record (county id, item, mask, n) stands for n distinct excerpts of one county (item None),
    or for one document or informant (item) of one county; bit i of the mask says it has the
    theme of rows[i]. A row counts the records whose mask meets its subtree's bits, so an
    excerpt with a main theme and its sub-theme counts once there. Row totals and the grand
    total count an item once even when it is in two counties (an informant can be).
    """
    bit = {row.theme.pk: 1 << i for i, row in enumerate(rows)}
    reach = [sum(bit[theme.pk] for theme in row.subtree()) for row in rows]
    index = {county.pk: i for i, county in enumerate(columns)}
    cells = [[0] * len(columns) for _row in rows]
    column_totals, row_counts, row_items = [0] * len(columns), [0] * len(rows), [set() for _row in rows]
    total_count, total_items, hit = 0, set(), {}
    for county_id, item, mask, n in records:
        column = index[county_id]
        if mask not in hit:
            hit[mask] = [i for i, bits in enumerate(reach) if bits & mask]
        for i in hit[mask]:
            cells[i][column] += n
            if item is None:
                row_counts[i] += n
            else:
                row_items[i].add(item)
        column_totals[column] += n
        if item is None:
            total_count += n
        else:
            total_items.add(item)
    row_totals = [n + len(items) for n, items in zip(row_counts, row_items, strict=True)]
    return cells, row_totals, column_totals, total_count + len(total_items)


# Bits per mask column: a sum of distinct powers of two below 2**62 fits every database's integer.
WORD = 62


def _records(*, project, rows, columns, count, sources, coder, with_blind=False):
    """(county id, item, theme mask, n) records: one statement, a few thousand rows at most."""
    if not rows or not columns or (count == "informants" and sources == "plans"):
        return []
    themes = [row.theme.pk for row in rows]
    kinds = [Document.Kind.TRANSCRIPT] if count == "informants" else KINDS[sources]
    sql, params = STATEMENTS[count](themes=themes, project_id=project.pk, county_ids=[c.pk for c in columns],
                                    kinds=kinds, coder_id=coder.pk if coder is not None else None,
                                    with_blind=with_blind)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        records = [(county_id, item, sum(int(word) << (WORD * k) for k, word in enumerate(words)), int(n))
                   for county_id, item, *words, n in cursor.fetchall()]
    # A mask without a shown theme's bit: excerpts whose only themes are not rows (the excerpts statement
    # reads every coding of the study's documents, unfiltered). They count nowhere, not even in the totals.
    return [record for record in records if record[2]]


def _marks(values):
    return ", ".join(["%s"] * len(values))


def _mask_sums(themes, column):
    """SUM(...) AS m0, SUM(...) AS m1 …: the theme bits of a group, WORD themes to a column."""
    sql, params = [], []
    for k in range(0, len(themes), WORD):
        chunk = themes[k:k + WORD]
        sql.append(f"SUM(CASE {column} {' '.join(['WHEN %s THEN %s'] * len(chunk))} ELSE 0 END) AS m{k // WORD}")
        params += [value for i, theme in enumerate(chunk) for value in (theme, 1 << i)]
    return ", ".join(sql), [f"m{k}" for k in range(len(sql))], params


def _tables():
    q = connection.ops.quote_name
    names = {"coding": Coding, "excerpt": Excerpt, "document": Document, "turn": Turn, "participant": Participant}
    return {name: q(model._meta.db_table) for name, model in names.items()} | {"start": q("start")}


def _document_filter(*, project_id, county_ids, kinds, coder_id, with_blind=False):
    sql = f"d.project_id = %s AND d.county_id IN ({_marks(county_ids)}) AND d.kind IN ({_marks(kinds)})"
    if not with_blind:
        # Documents still coded blind are left out until the lead reveals them (coding.models.blind_documents).
        blind = connection.ops.quote_name(DoubleCoding._meta.db_table)
        sql += f" AND d.id NOT IN (SELECT b.document_id FROM {blind} b WHERE b.revealed_at IS NULL)"
    params = [project_id, *county_ids, *kinds]
    if coder_id is not None:
        sql += f" AND {_plain('e.coder_id')} = %s"
        params.append(coder_id)
    return sql, params


def _plain(column):
    """The column as a filter SQLite checks row by row («+column»), not through its index.

    SQLite, without statistics, otherwise reads the codings through the (theme, excerpt) index,
    one seek per theme and excerpt, or all of a coder's excerpts through the coder index: ten
    times slower than going from the study's documents down. PostgreSQL plans worse with it.
    """
    return f"+{column}" if connection.vendor == "sqlite" else column


def _coded_with(themes):
    return f"{_plain('c.theme_id')} IN ({_marks(themes)})"


def _excerpts_statement(*, themes, **filters):
    """Excerpts grouped by county and set of themes: no COUNT(DISTINCT) needed.

    Every coding of the study's documents is read, unfiltered by theme: those whose themes are not
    rows (none, unless a theme is archived while a coding of it is being made) give a mask of 0,
    which `_records` leaves out. The filter cost SQLite a test per coding, and on PostgreSQL, as an
    index condition on the third column of (document, excerpt, theme), it took the index's excerpt
    order away: each document's codings were sorted (measured: docs/benchmarks.md, the matrix).
    """
    sums, words, sum_params = _mask_sums(themes, "c.theme_id")
    if connection.vendor == "postgresql":
        return _excerpts_statement_postgresql(sums=sums, words=words, sum_params=sum_params, **filters)
    where, where_params = _document_filter(**filters)
    t = _tables()
    masks = ", ".join(f"s.{w}" for w in words)
    # SQLite would store a grouped subquery before joining it (ten times slower); from the
    # documents down to their codings (which carry their document), it streams. Grouped by
    # document and excerpt, the codings arrive in the group's order (the documents one by one,
    # each one's codings from the (document, excerpt, theme) index): no temporary B-tree, which
    # grouping by excerpt and county needed (a quarter of the statement's time). The excerpts are
    # joined only to filter by coder.
    coder_join = f"JOIN {t['excerpt']} e ON e.id = c.excerpt_id" if filters["coder_id"] is not None else ""
    sql = f"""
        SELECT s.county_id, NULL, {masks}, COUNT(*)
        FROM (SELECT d.county_id, {sums} FROM {t["document"]} d
              JOIN {t["coding"]} c ON c.document_id = d.id {coder_join}
              WHERE {where}
              GROUP BY d.id, c.excerpt_id) s
        GROUP BY s.county_id, {masks}
    """
    return sql, [*sum_params, *where_params]


def _excerpts_statement_postgresql(*, sums, words, sum_params, project_id, county_ids, kinds, coder_id,
                                   with_blind=False):
    """Each excerpt's theme bits, document by document, from the (document, excerpt, theme) index alone.

    The LATERAL subquery runs once per document of the study: its codings come out of the index in
    excerpt order and each excerpt's bits are summed as they stream by (no sort, no join to the
    excerpts). Grouped over the whole study at once, PostgreSQL hashed 100,000 excerpts, spilled
    to disk past work_mem and hashed again (measured: docs/benchmarks.md, the matrix).
    """
    where, where_params = _document_filter(project_id=project_id, county_ids=county_ids, kinds=kinds,
                                           coder_id=None, with_blind=with_blind)
    t = _tables()
    coder, coder_params = "", []
    if coder_id is not None:
        coder, coder_params = (f"AND c.excerpt_id IN (SELECT e.id FROM {t['excerpt']} e "
                               f"WHERE e.document_id = d.id AND e.coder_id = %s)"), [coder_id]
    masks = ", ".join(f"s.{w}" for w in words)
    sql = f"""
        SELECT d.county_id, NULL, {masks}, COUNT(*)
        FROM {t["document"]} d
        CROSS JOIN LATERAL (SELECT {sums} FROM {t["coding"]} c
                            WHERE c.document_id = d.id {coder}
                            GROUP BY c.excerpt_id) s
        WHERE {where}
        GROUP BY d.county_id, {masks}
    """
    return sql, [*sum_params, *coder_params, *where_params]


def _documents_statement(*, themes, **filters):
    """A line per document: its county and the set of themes its excerpts have."""
    sums, _words, sum_params = _mask_sums(themes, "s.theme_id")
    where, where_params = _document_filter(**filters)
    t = _tables()
    sql = f"""
        SELECT s.county_id, s.document_id, {sums}, 1
        FROM (SELECT DISTINCT d.county_id, e.document_id, c.theme_id FROM {t["document"]} d
              JOIN {t["excerpt"]} e ON e.document_id = d.id
              JOIN {t["coding"]} c ON c.excerpt_id = e.id
              WHERE {where} AND {_coded_with(themes)}) s
        GROUP BY s.county_id, s.document_id
    """
    return sql, [*sum_params, *where_params, *themes]


# Turn starts and participant ids packed into one number (start * SPEAKER + participant id), so
# that the latest turn before an excerpt also names its speaker. Starts are below 2**31 and ids
# below 2**32, so the number stays below 2**63.
SPEAKER = 2**32


def _informants_statement(*, themes, project_id, county_ids, kinds, coder_id, with_blind=False):
    # Attribution: an excerpt's speaker is the turn that contains its start, the last turn that
    # starts at or before it (coding.quotes.turn_index; tests/coding/test_quotes.py checks this SQL
    # against it). Each document's turns and excerpts are read in text order once and the latest
    # turn carried forward to every excerpt (a window), instead of a lookup per excerpt. The
    # window's frame ends with the current row's peers: a turn that starts where the excerpt
    # starts is its turn. Turns of interviewers and others carry 0: their words have no informant.
    sums, _words, sum_params = _mask_sums(themes, "theme_id")
    documents, document_params = _document_filter(project_id=project_id, county_ids=county_ids, kinds=kinds,
                                                  coder_id=None, with_blind=with_blind)
    coder = f"AND {_plain('e.coder_id')} = %s" if coder_id is not None else ""
    t = _tables()
    sql = f"""
        WITH docs AS (SELECT d.id, d.county_id FROM {t["document"]} d WHERE {documents}),
        marks AS (
            SELECT tu.document_id AS doc, tu.{t["start"]} AS pos,
                   tu.{t["start"]} * {SPEAKER} + CASE WHEN p.role IN ({_marks(INFORMANT_ROLES)}) THEN p.id ELSE 0 END
                   AS turn,
                   NULL AS excerpt_id
            FROM {t["turn"]} tu JOIN {t["participant"]} p ON p.id = tu.participant_id
            WHERE tu.document_id IN (SELECT id FROM docs)
            UNION ALL
            SELECT e.document_id, e.{t["start"]}, NULL, e.id FROM {t["excerpt"]} e
            WHERE e.document_id IN (SELECT id FROM docs) {coder}
        ),
        attributed AS (
            SELECT doc, excerpt_id, MAX(turn) OVER (PARTITION BY doc ORDER BY pos) %% {SPEAKER} AS speaker FROM marks
        ),
        spoken AS (
            SELECT DISTINCT c.theme_id, docs.county_id, a.speaker
            FROM attributed a
            JOIN {t["coding"]} c ON c.excerpt_id = a.excerpt_id
            JOIN docs ON docs.id = a.doc
            WHERE a.speaker > 0 AND {_coded_with(themes)}
        )
        SELECT county_id, speaker, {sums}, 1 FROM spoken GROUP BY county_id, speaker
    """
    params = [*document_params, *INFORMANT_ROLES, *([coder_id] if coder_id is not None else []), *themes,
              *sum_params]
    return sql, params


STATEMENTS = {"excerpts": _excerpts_statement, "documents": _documents_statement,
              "informants": _informants_statement}


# --- Downloads and the command line ------------------------------------------------------------


def theme_path(row):
    """«Main theme › sub-theme»: a sub-theme's name says where it sits, in any spreadsheet order."""
    names = []
    while row is not None:
        names.append(row.theme.name)
        row = row.parent
    return " › ".join(reversed(names))


def table_rows(result):
    """The header, a line per theme and the totals: the cells of the .xlsx and .csv downloads."""
    yield [_("Theme"), *(county.name for county in result.columns), _("Total")]
    for row in result.rows:
        yield [theme_path(row), *(cell.value for cell in row.cells), row.total]
    yield [_("Total"), *result.column_totals, result.total]


def write_xlsx(result):
    from openpyxl.styles import Alignment  # loaded by new_workbook (planner/spreadsheets.py says why not sooner)

    workbook = new_workbook()
    sheet = add_sheet(workbook, str(COUNTS[result.count]), table_rows(result), freeze="B2", widths=[45])
    bold(sheet[sheet.max_row])  # the totals
    for number, row in enumerate(result.rows, start=2):
        sheet.cell(number, 1).alignment = Alignment(indent=row.depth)
    return xlsx_bytes(workbook)


def write_csv(result):
    """Semicolons and a byte order mark, as the plan register's .csv: what Norwegian Excel opens."""
    return csv_bytes(table_rows(result))


WRITERS = {"xlsx": write_xlsx, "csv": write_csv}


def file_name(project, result, fmt):
    coder = f"-{result.coder.get_username()}" if result.coder is not None else ""
    return f"matrise-{project.slug}-{result.count}-{result.sources}{coder}.{fmt}"


def as_json(result):
    """The matrix as plain JSON data, cells keyed by county name."""
    names = [county.name for county in result.columns]
    return {
        "count": result.count, "sources": result.sources, "order": result.county_order,
        "coder": result.coder.get_username() if result.coder is not None else None,
        "columns": names,
        "rows": [{"theme": row.theme.name, "depth": row.depth,
                  "parent": row.parent.theme.name if row.parent else None,
                  "cells": dict(zip(names, (cell.value for cell in row.cells), strict=True)), "total": row.total}
                 for row in result.rows],
        "totals": dict(zip(names, result.column_totals, strict=True)),
        "total": result.total,
    }
