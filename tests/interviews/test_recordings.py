"""An interview's recording: attached by analysts and the lead, played by members with byte ranges, never by
outsiders, and removed with its interview."""

import io
import math
import struct
import wave

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from interviews.models import Recording
from interviews.recordings import path_of, sniff
from planner.models import Document
from planner.services import membership_set, project_create
from tests.coding.test_revisions import interview


def wav_bytes(seconds=3.0, rate=8000):
    """A mono 16-bit WAV of a quiet tone: what the player plays in the tests."""
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(b"".join(struct.pack("<h", int(3000 * math.sin(2 * math.pi * 440 * i / rate)))
                                 for i in range(int(seconds * rate))))
    return buffer.getvalue()


@pytest.fixture
def study(lead, analyst, viewer, settings, tmp_path):
    settings.KODEVERK_RECORDINGS_ROOT = tmp_path / "recordings"
    project = project_create(name="Opptak", lead=lead)
    membership_set(project=project, user=analyst, role="analyst")
    membership_set(project=project, user=viewer, role="viewer")
    return project, interview(project, lead)


def upload(client, project, document, data, name="intervju.wav"):
    return client.post(reverse("interviews:recording_upload", args=[project.slug, document.pk]),
                       {"recording": SimpleUploadedFile(name, data)}, follow=True)


def test_it_knows_recordings_by_their_first_bytes():
    assert sniff(wav_bytes(0.01)[:16]) == "wav"
    assert sniff(b"ID3\x04" + bytes(12)) == "mp3"
    assert sniff(b"\x00\x00\x00\x20ftypM4A " + bytes(4)) == "mp4"
    assert sniff(b"OggS" + bytes(12)) == "ogg"
    assert sniff(b"\x1a\x45\xdf\xa3" + bytes(12)) == "webm"
    assert sniff(b"WEBVTT\n\n00:00") is None


def test_members_play_ranges_outsiders_get_nothing_viewers_upload_nothing(client, study, analyst, viewer,
                                                                         outsider):
    project, document = study
    data = wav_bytes()
    client.force_login(viewer)
    assert upload(client, project, document, data).redirect_chain == []  # 403, nothing followed
    assert not Recording.objects.exists()
    client.force_login(analyst)
    page = upload(client, project, document, data)
    assert "Opptaket intervju.wav er lagt ved." in page.content.decode()
    assert 'id="player"' in page.content.decode() and "time-seek" in page.content.decode()
    assert 'class="correct-turn"' in page.content.decode()  # an analyst corrects turns; a viewer (below) does not
    recording = Recording.objects.get()
    assert path_of(recording).read_bytes() == data and recording.content_type == "audio/wav"
    url = reverse("interviews:recording_file", args=[project.slug, document.pk])
    client.force_login(viewer)
    shown = client.get(reverse("interviews:transcript_detail", args=[project.slug, document.pk])).content.decode()
    assert "time-seek" in shown and "correct-turn" not in shown
    middle = client.get(url, HTTP_RANGE="bytes=1000-1999")
    assert middle.status_code == 206
    assert b"".join(middle.streaming_content) == data[1000:2000]
    assert middle["Content-Range"] == f"bytes 1000-1999/{len(data)}"
    assert middle["Content-Length"] == "1000" and middle["Accept-Ranges"] == "bytes"
    assert middle["Cache-Control"] == "private, no-store"
    tail = client.get(url, HTTP_RANGE="bytes=-10")
    assert b"".join(tail.streaming_content) == data[-10:]
    assert client.get(url, HTTP_RANGE=f"bytes={len(data)}-").status_code == 416
    whole = client.get(url)
    assert whole.status_code == 200 and b"".join(whole.streaming_content) == data
    client.force_login(outsider)
    assert client.get(url, HTTP_RANGE="bytes=0-99").status_code == 404


def test_a_file_that_is_not_a_recording_or_too_large_is_refused_with_its_name(client, study, analyst, settings):
    project, document = study
    client.force_login(analyst)
    page = upload(client, project, document, b"WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nHei\n", name="lydfil.wav")
    assert "lydfil.wav er ikke et opptak vi kan spille av" in page.content.decode()
    settings.KODEVERK_RECORDING_MAX_MB = 0
    page = upload(client, project, document, wav_bytes(0.5), name="stor.wav")
    assert "stor.wav er for stor; grensen er 0 MB." in page.content.decode()
    assert not Recording.objects.exists()


def test_the_file_goes_with_its_interview(client, study, lead, django_capture_on_commit_callbacks):
    project, document = study
    client.force_login(lead)
    upload(client, project, document, wav_bytes(0.2))
    path = path_of(Recording.objects.get())
    assert path.exists()
    with django_capture_on_commit_callbacks(execute=True):
        Document.objects.get(pk=document.pk).delete()
    assert not path.exists() and not Recording.objects.exists()
