"""Interview recordings: what kind a file is (by its first bytes, not its name), storing it outside the static
files, serving byte ranges of it, and removing it with its interview."""

import os
import re
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models.signals import post_delete
from django.dispatch import receiver
from django.http import HttpResponse, StreamingHttpResponse
from django.utils.translation import gettext as _

from interviews.models import Interview, Recording

# kind: (content type, file name endings it may have)
KINDS = {
    "mp3": ("audio/mpeg", (".mp3",)),
    "mp4": ("video/mp4", (".mp4", ".m4a")),
    "wav": ("audio/wav", (".wav",)),
    "ogg": ("audio/ogg", (".ogg", ".oga", ".opus")),
    "webm": ("video/webm", (".webm",)),
}
CHUNK = 64 * 1024


def sniff(head: bytes) -> str | None:
    """The kind of a recording from its first bytes (None: not one we play)."""
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return "wav"
    if head[:4] == b"OggS":
        return "ogg"
    if head[:4] == b"\x1a\x45\xdf\xa3":
        return "webm"
    if head[4:8] == b"ftyp":
        return "mp4"
    if head[:3] == b"ID3" or (len(head) > 1 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0):
        return "mp3"
    return None


def path_of(recording: Recording) -> Path:
    return Path(settings.KODEVERK_RECORDINGS_ROOT) / f"{recording.uuid}.{recording.kind}"


@transaction.atomic
def recording_attach(*, interview: Interview, upload, user) -> Recording:
    """Store an uploaded recording for the interview (replacing the one it had); refused unless its first
    bytes say mp3, m4a/mp4, wav, ogg or webm and its name agrees. The upload is copied from Django's
    temporary file (or memory, under 5 MB) in chunks, never read whole."""
    head = upload.read(16)
    upload.seek(0)
    kind = sniff(head)
    name = upload.name or ""
    if kind is None or not name.lower().endswith(KINDS[kind][1]):
        raise ValidationError(_("%(name)s is not a recording we can play: upload an .mp3, .m4a, .wav, .ogg, .webm "
                                "or .mp4 file.") % {"name": name})
    old = Recording.objects.select_for_update().filter(interview=interview).first()
    if old is not None:
        old.delete()  # its file goes once this commits (the receiver below)
    recording = Recording(interview=interview, file_name=name[:255], kind=kind, content_type=KINDS[kind][0],
                          size=upload.size, uploaded_by=user)
    recording.save()
    target = path_of(recording)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".part")
    with partial.open("wb") as out:
        for chunk in upload.chunks(CHUNK):
            out.write(chunk)
    os.replace(partial, target)  # the last step: nothing after it in this function can fail
    return recording


@receiver(post_delete, sender=Recording, dispatch_uid="interviews.recording_file_delete")
def recording_file_delete(sender, instance: Recording, **kwargs) -> None:
    """The file goes with its row (an interview deleted, a recording replaced), once the deletion commits."""
    path = path_of(instance)
    transaction.on_commit(lambda: path.unlink(missing_ok=True))


_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


def ranged_response(recording: Recording, range_header: str | None) -> HttpResponse:
    """The recording, or the byte range asked for (206 with Content-Range; 416 for one outside it); never
    cached beyond the member's own browser."""
    size = recording.size
    start, end, status = 0, size - 1, 200
    if range_header:
        match = _RANGE.match(range_header.strip())
        if match is None or match.groups() == ("", ""):
            return _unsatisfiable(size)
        first, last = match.groups()
        if first == "":  # the last N bytes
            start, end = max(0, size - int(last)), size - 1
        else:
            start, end = int(first), min(int(last), size - 1) if last else size - 1
        if start >= size or start > end:
            return _unsatisfiable(size)
        status = 206
    response = StreamingHttpResponse(_read(path_of(recording), start, end - start + 1), status=status,
                                     content_type=recording.content_type)
    response["Content-Length"] = str(end - start + 1)
    response["Accept-Ranges"] = "bytes"
    if status == 206:
        response["Content-Range"] = f"bytes {start}-{end}/{size}"
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _unsatisfiable(size):
    response = HttpResponse(status=416)
    response["Content-Range"] = f"bytes */{size}"
    response["Cache-Control"] = "private, no-store"
    return response


def _read(path, start, length):
    with path.open("rb") as source:
        source.seek(start)
        while length > 0:
            chunk = source.read(min(CHUNK, length))
            if not chunk:
                return
            length -= len(chunk)
            yield chunk
