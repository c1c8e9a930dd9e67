"""Pictures of the Word export as a word processor lays it out: LibreOffice's PDF, pages rendered with PDFium.

No browser: it lives here so that `make screenshots` (pytest tests/browser -k screenshot) refreshes
docs/screenshots/export-word-title.png and export-word-page.png with the other pictures.
"""

from coding.exports.build import produce
from coding.exports.options import ExportOptions
from tests.coding.test_export_libreoffice import convert_to_pdf, pdf_pages
from tests.coding.test_export_quotes import export_study


def test_screenshot_of_the_word_export(project, analyst, lead, tmp_path, screenshot_dir):
    import pypdfium2

    export_study(project, analyst, lead)
    path = tmp_path / "eksport.docx"
    path.write_bytes(produce(project, ExportOptions(memos=True), "docx").data)
    pdf = convert_to_pdf(path, tmp_path)
    texts = pdf_pages(pdf)
    # The first page whose text has a quote and its attribution line.
    quotes = next(n for n, text in enumerate(texts) if "«Økt bosetting i distriktene»" in text)
    assert "Rådgiver, integrering – Agder" in texts[quotes]
    document = pypdfium2.PdfDocument(str(pdf))
    try:
        for name, number in [("export-word-title.png", 0), ("export-word-page.png", quotes)]:
            image = document[number].render(scale=1.5).to_pil()
            image.save(screenshot_dir / name)
            assert image.width > 800 and (screenshot_dir / name).stat().st_size > 10_000
    finally:
        document.close()
