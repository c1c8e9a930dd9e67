"""Small PDFs built in the tests with reportlab: known text on known pages, image-only pages, passwords."""

import io

from PIL import Image
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen import canvas

IMAGE = None  # a page with only a picture on it, as a scanner makes


def pdf_bytes(*pages, password=None):
    """One page per argument: a text (one line per «\\n», in Helvetica) or IMAGE."""
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=(595, 842), encrypt=password)
    for page in pages:
        if page is IMAGE:
            picture = Image.new("L", (60, 80), 200)
            pdf.drawImage(ImageReader(picture), 50, 50, width=495, height=742)
        else:
            text = pdf.beginText(60, 780)
            text.setFont("Helvetica", 11)
            for line in page.split("\n"):
                text.textLine(line)
            pdf.drawText(text)
        pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def long_pdf(pages=100, words_per_page=450):
    """A plan-sized PDF: many pages of Norwegian text, with a line of about twelve words."""
    words = ("integrering fylkeskommunen bosetting flyktninger kvalifisering næringsliv distriktskommuner "
             "samarbeid veiledning tilskudd planstrategi kunnskapsgrunnlag innvandrere voksenopplæring "
             "økonomi sårbare årlig område tiltak og i på med som det er").split()
    texts = []
    for page in range(pages):
        chosen = [words[(page * 7 + i * 3) % len(words)] for i in range(words_per_page)]
        lines = [" ".join(chosen[i:i + 12]) for i in range(0, len(chosen), 12)]
        texts.append(f"Side {page + 1}\n" + "\n".join(lines[:60]))
    return pdf_bytes(*texts)
