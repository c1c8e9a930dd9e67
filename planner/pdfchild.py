"""Read a PDF's text page by page in a child process of its own, under a memory and CPU limit.

Run as `python -m planner.pdfchild MAX_PAGES MAX_CHARS MEMORY_BYTES CPU_SECONDS` with the PDF on stdin;
it writes one JSON object to stdout: {"pages": [...]} or {"error": code, ...}. PDFium inflates streams
in memory, so a 1 MB file can ask for gigabytes; here that ends this process (the parent says why),
never the worker or the web process. It imports no Django, so that it starts quickly and small.
"""

import json
import resource
import sys

_PDF_MAGIC = b"%PDF-"


def main(argv):
    max_pages, max_chars, memory, cpu_seconds = (int(value) for value in argv[1:5])
    # Before PDFium is loaded: its allocations count against the limit from the first page on.
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds + 1))
    data = sys.stdin.buffer.read()
    result = extract(data, max_pages, max_chars)
    sys.stdout.buffer.write(json.dumps(result, ensure_ascii=False).encode("utf-8"))
    return 0


def extract(data, max_pages, max_chars):
    if _PDF_MAGIC not in data[:1024]:
        return {"error": "not_pdf"}
    import pypdfium2 as pdfium  # noqa: PLC0415  (after the limits are set)

    try:
        document = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        code = getattr(exc, "err_code", None)
        if code in (pdfium.raw.FPDF_ERR_PASSWORD, pdfium.raw.FPDF_ERR_SECURITY):
            return {"error": "password"}
        return {"error": "incomplete" if b"%%EOF" not in data[-2048:] else "damaged"}
    try:
        count = len(document)
        if count > max_pages:
            return {"error": "pages", "count": count}
        pages, chars = [], 0
        for index in range(count):
            try:
                text = _page_text(document, index)
            except pdfium.PdfiumError:
                return {"error": "page", "page": index + 1}
            chars += len(text)
            if chars > max_chars:
                return {"error": "chars", "page": index + 1}
            pages.append(text)
        return {"pages": pages}
    finally:
        document.close()


def _page_text(document, index):
    page = document[index]
    try:
        textpage = page.get_textpage()
        try:
            return textpage.get_text_range()
        finally:
            textpage.close()
    finally:
        page.close()


if __name__ == "__main__":
    sys.exit(main(sys.argv))
