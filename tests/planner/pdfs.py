"""Small PDFs built in the tests with reportlab: known text on known pages, image-only pages, passwords."""

import io
import zlib

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


# --- Hostile PDFs, written object by object ----------------------------------------------------------

_FONT = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"


def raw_pdf(objects):
    """A PDF of the given object bodies (object 1 is the catalog), with a correct cross-reference table."""
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def _page(*, contents, font):
    return (b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents %d 0 R "
            b"/Resources << /Font << /F1 %d 0 R >> >> >>" % (contents, font))


def _stream(data, *, compressed):
    filters = b" /Filter /FlateDecode" if compressed else b""
    return b"<< /Length %d%s >>\nstream\n%s\nendstream" % (len(data), filters, data)


def many_pages_pdf(pages=2000):
    """`pages` pages that all show one shared content stream: some 100 bytes a page."""
    kids = b" ".join(b"%d 0 R" % (5 + index) for index in range(pages))
    page = _page(contents=3, font=4)
    content = b"BT /F1 12 Tf 72 700 Td (Kapittel om integrering og bosetting i fylket) Tj ET"
    return raw_pdf([b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, pages),
                    _stream(content, compressed=False), _FONT, *[page] * pages])


# The text at the start of the bomb's content stream, before the spaces.
BOMB_HEAD = b"BT /F1 12 Tf 72 700 Td (Velkommen) Tj ET\n"


def adler32_of_repeated_byte(checksum, byte, length):
    """zlib.adler32 of `length` copies of `byte` appended to what `checksum` sums, without reading a GiB.

    Adler-32 keeps two sums modulo 65521: a, one plus every byte so far, and b, every a so far. Appending the
    same byte L times adds L·byte to a and L·a + byte·L(L+1)/2 to b (zlib.adler32 took 0.3 s of CPU a GiB)."""
    modulus = 65521
    low, high = checksum & 0xFFFF, checksum >> 16
    high = (high + length * low + byte * length * (length + 1) // 2) % modulus
    low = (low + byte * length) % modulus
    return high << 16 | low


def bomb_pdf(inflated=1 << 30):
    """A PDF of one page whose content stream is about 1 MB and inflates to `inflated` bytes (1 GiB).

    Built in a second, not by compressing a gigabyte: after a full flush a deflate block of a MiB of spaces
    is the same bytes every time, so the stream is that block repeated, in a zlib header and checksum."""
    head = BOMB_HEAD
    block = b" " * (1 << 20)
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    first = packer.compress(head) + packer.flush(zlib.Z_FULL_FLUSH)
    repeated = packer.compress(block) + packer.flush(zlib.Z_FULL_FLUSH)
    last = packer.flush(zlib.Z_FINISH)
    count = (inflated - len(head)) // len(block)
    checksum = adler32_of_repeated_byte(zlib.adler32(head), ord(" "), count * len(block))
    stream = b"\x78\xda" + first + repeated * count + last + checksum.to_bytes(4, "big")
    page = _page(contents=4, font=5)
    return raw_pdf([b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>", page,
                    _stream(stream, compressed=True), _FONT])
