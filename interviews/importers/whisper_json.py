"""Whisper JSON output (openai-whisper, WhisperX, diarised or not) to turns."""

import codecs
import json
import math

from .base import Cue, ImporterError, ParsedTranscript, check_units, cue_turns, normalise

FORMAT = "whisper-json"


def parse(data, *, name):
    """Parse the bytes of a Whisper .json file."""
    document = _load(data, name)
    segments = document.get("segments") if isinstance(document, dict) else None
    if not isinstance(segments, list):
        raise ImporterError(f"{name} er ikke Whisper-utdata: mangler «segments»-lista med tidskodet tale.")
    cues = (_cue(segment, number, name) for number, segment in enumerate(segments, start=1))
    turns = cue_turns(cues)
    if not turns:
        raise ImporterError(f"{name} inneholder ingen replikker.")
    return ParsedTranscript(format=FORMAT, turns=turns)


def _load(data, name):
    # Every segment has a «text»: a file of more segments than the caps allow is refused before json builds
    # a dict for each (a million tiny segments would take a gigabyte).
    check_units(data.count(b'"text"'), segments=True)
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8):]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ImporterError(f"{name} er ikke gyldig UTF-8: ugyldig byte ved posisjon {exc.start}.") from exc
    if not text.strip():
        raise ImporterError(f"{name} er tom.")
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        if exc.pos >= len(text.rstrip()):
            reason = "fila slutter før JSON-strukturen er lukket; er den ufullstendig?"
        else:
            reason = f"feil ved tegn {exc.colno}"
        raise ImporterError(f"{name} er ikke gyldig JSON: {reason}", line=exc.lineno) from exc
    except (RecursionError, ValueError) as exc:
        # Absurdly deep nesting or numbers too long to convert: certainly not Whisper output.
        raise ImporterError(f"{name} er ikke gyldig JSON: strukturen er for dyp eller for stor.") from exc


def _cue(segment, number, name):
    if not isinstance(segment, dict):
        raise ImporterError(f"{name} er ikke Whisper-utdata: segment nr. {number} i «segments» er ikke et objekt.")
    for key in ("start", "end"):
        if not _is_number(segment.get(key)):
            raise ImporterError(f"{name} er ikke Whisper-utdata: segment nr. {number} mangler tallet «{key}».")
    if not isinstance(segment.get("text"), str):
        raise ImporterError(f"{name} er ikke Whisper-utdata: segment nr. {number} mangler teksten «text».")
    start, end = float(segment["start"]), float(segment["end"])
    return Cue(speaker=_speaker(segment), text=segment["text"], start=start, end=end)


def _speaker(segment):
    speaker = segment.get("speaker")
    if not isinstance(speaker, str):
        return None
    return normalise(speaker).strip() or None


def _is_number(value):
    # bool is an int subclass in Python, and JSON allows NaN; neither is a time.
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
