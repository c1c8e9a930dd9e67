"""A produced .docx opens in a real word processor: LibreOffice converts it to a PDF that has the quotes.

.ci/run installs LibreOffice (libreoffice-writer-nogui); in CI a missing `soffice` fails the test, on a
developer machine it is skipped with the reason printed.
"""

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from coding.exports.build import produce
from coding.exports.options import ExportOptions
from tests.coding.test_export_quotes import export_study

SOFFICE = os.environ.get("SOFFICE") or shutil.which("soffice") or "/usr/bin/soffice"
TIMEOUT = 120


def soffice():
    """The soffice program, or a skip (a failure in CI) that says how to get it."""
    if not Path(SOFFICE).exists():
        reason = f"LibreOffice is not installed ({SOFFICE} is missing; apt-get install libreoffice-writer-nogui, " \
                 ".ci/run does it)"
        if os.environ.get("CI"):
            pytest.fail(f"{reason}: the Word export must be checked in CI")
        pytest.skip(reason)
    return SOFFICE


def convert_to_pdf(path, folder):
    """Convert a .docx to PDF with headless LibreOffice in a profile of its own (parallel runs do not meet)."""
    profile = folder / "lo-profile"
    result = subprocess.run(
        [soffice(), f"-env:UserInstallation={profile.resolve().as_uri()}", "--headless", "--norestore",
         "--convert-to", "pdf", "--outdir", str(folder), str(path)],
        capture_output=True, text=True, timeout=TIMEOUT,
    )
    pdf = folder / (path.stem + ".pdf")
    assert result.returncode == 0 and pdf.exists(), f"LibreOffice did not convert {path.name}: " \
                                                    f"{result.stdout}{result.stderr}"
    return pdf


def pdf_pages(pdf):
    """The text of each page of a PDF (PDFium), white space (line wraps too) as single spaces."""
    import pypdfium2

    document = pypdfium2.PdfDocument(str(pdf))
    try:
        return [" ".join(page.get_textpage().get_text_range().split()) for page in document]
    finally:
        document.close()


def test_libreoffice_converts_an_export_to_a_pdf_that_holds_the_quotes(project, analyst, lead, tmp_path):
    study = export_study(project, analyst, lead)
    produced = produce(project, ExportOptions(memos=True, plan_tables=True), "docx")
    path = tmp_path / "eksport.docx"
    path.write_bytes(produced.data)
    pages = pdf_pages(convert_to_pdf(path, tmp_path))
    assert len(pages) >= 3  # title page, contents, themes and the appendices
    text = "\n".join(pages)
    assert project.name in pages[0]
    assert "Økt bosetting i distriktene" in text
    assert "Leder, næring – Agder – Gruppeintervju 12.02.2025 – 00:14:32" in text
    assert "<script>alert('x')</script>" in text
    assert study.troms.plan.title in text and "Vedlegg: Planoversikt" in text
