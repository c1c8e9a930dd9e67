"""Reading uploaded text files safely: the error every reader raises, and text decoding.

Shared by the transcript importers (interviews) and plan documents (planner); it knows
nothing of either.
"""

import codecs
import unicodedata

from django.utils.translation import gettext as _

from planner.models import normalise_text

MEGABYTE = 1_048_576


class ImporterError(Exception):
    """A file cannot be imported. The message names the problem in plain words."""

    def __init__(self, message, *, line=None):
        super().__init__(message)
        self.message = message
        self.line = line

    def __str__(self):
        if self.line is not None:
            return f"{self.message} (linje {self.line})"
        return self.message


def check_size(name, size, max_bytes):
    """Refuse a file over the upload limit by its size alone, before any of it is read."""
    if max_bytes is not None and size > max_bytes:
        raise ImporterError(_("%(name)s is too large (%(size).1f MB); the limit is %(limit)s MB.") % {
            "name": name, "size": size / MEGABYTE, "limit": max_bytes // MEGABYTE})


def read_bounded(path, max_bytes):
    """The bytes of a file on disk, refused by its size (os.stat) before it is opened: a 200 MB file is
    never read to be refused."""
    check_size(path.name, path.stat().st_size, max_bytes)
    with open(path, "rb") as file:
        data = file.read(max_bytes + 1 if max_bytes is not None else -1)
    check_size(path.name, len(data), max_bytes)  # it grew meanwhile: still never more than the limit read
    return data


def decode_text(data, *, name="fila"):
    """Decode transcript bytes: UTF-8 (with or without BOM), UTF-16 (with BOM, or without one when the
    NUL bytes fall in every other position), else Windows-1252.

    Never Latin-1: in Windows-1252 byte 0x85 is «…», in Latin-1 it is a C1 line break.
    Bytes that hold NUL or other control characters are refused as binary.
    """
    if data.startswith(codecs.BOM_UTF8):
        text = _decode(data[3:], "utf-8", name)
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        text = _decode(data, "utf-16", name)
    elif encoding := _utf16_without_bom(data):
        text = _decode(data, encoding, name)
    else:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            text = _decode(data, "cp1252", name)
    if _looks_binary(text):
        raise ImporterError(f"{name} ser ut som en binærfil, ikke tekst.")
    return normalise_text(text)


def _utf16_without_bom(data):
    """«utf-16-le» or «utf-16-be» when the bytes look like UTF-16 text without a BOM, else None.

    Norwegian text is nearly all code points below U+0100 (æ, ø, å, «, » too), so in UTF-16 one
    byte of almost every pair is NUL, always on the same side. Binary files have NULs too, but
    not so regularly: the pattern must hold for most pairs on one side and almost none on the other.
    """
    sample = data[:8192]
    if len(sample) < 4 or len(data) % 2:
        return None
    pairs = len(sample) // 2
    nul_even, nul_odd = sample[0::2].count(0), sample[1::2].count(0)
    if nul_odd >= 0.7 * pairs and nul_even <= 0.05 * pairs:
        return "utf-16-le"
    if nul_even >= 0.7 * pairs and nul_odd <= 0.05 * pairs:
        return "utf-16-be"
    return None


def _decode(data, encoding, name):
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise ImporterError(
            f"{name} kan ikke leses som tekst ({encoding}): ugyldig byte ved posisjon {exc.start}."
        ) from exc


def _looks_binary(text):
    sample = text[:8192]
    if "\x00" in sample:
        return True
    controls = sum(1 for ch in sample if unicodedata.category(ch) == "Cc" and ch not in "\n\r\t\f")
    return controls > max(2, len(sample) // 100)
