"""A long Teams transcript built in the tests, shaped like Teams' own .vtt: GUID cue ids, voice tags,
several speakers, Norwegian speech; and its import into a study."""

import random

from interviews.importers import parse_file
from interviews.services import suggest_mapping, transcript_import

SPEAKERS = ["Kari Nordmann", "Ola Hansen", "Fatima Haugen", "Intervjuer", "Ingrid Fjellheim"]
SENTENCES = [
    "Vi har jobbet mye med bosetting av flyktninger de siste årene.",
    "Det er de små kommunene som trenger mest veiledning fra oss.",
    "Integreringsarbeidet ligger i avdeling for kompetanse og næring.",
    "Vi har et nettverk med kommunene der vi møtes to ganger i året.",
    "Tilskuddsordningen har vært viktig for distriktskommunene.",
    "Arbeidsinnvandrerne faller ofte utenfor det kommunene tilbyr.",
    "Etter regionreformen måtte vi bygge opp rollen vår på nytt.",
    "Kunnskapsgrunnlaget viser at innvandrerbefolkningen vokser i distriktene.",
    "Vi samarbeider tett med Nav, IMDi og Statsforvalteren.",
    "Karriereveiledning for voksne er en del av kvalifiseringsarbeidet.",
    "Det politiske eierskapet til planen er ikke godt nok forankret.",
    "Hva tenker dere om samarbeidet med næringslivet?",
    "Altså, det er vel sånn at vi har for lite ressurser til dette.",
    "Ja, jeg kan supplere litt der, for vi har sett det samme hos oss.",
]

# The last cue alone says this: a search for «rapportutkast» has one hit, at the very end.
CLOSING = "Takk for praten, vi sender rapportutkastet til dere i januar."


def teams_vtt(cues, seed=1, step=2.0, *, speakers=SPEAKERS, sentences=SENTENCES, per_cue=(2, 2), length=0.9,
              closing=CLOSING):
    """A Teams WebVTT of `cues` cues; a group talks in short turns, so about 4 cues in 5 start a new one
    (the issue's 3-hour file: 5,300 cues, 4,100 turns). Each cue says `per_cue` (fewest, most) of
    `sentences` and lasts `length` of its `step` seconds; the last says `closing` when there is one.
    bench/run.py makes its 3-hour benchmark file with it too."""
    rng = random.Random(seed)
    out, speaker = ["WEBVTT", ""], speakers[0]
    for i in range(cues):
        if rng.random() < 0.78:
            speaker = rng.choice([s for s in speakers if s != speaker])
        start = i * step
        if closing and i == cues - 1:
            speech = closing
        else:
            count = per_cue[0] if per_cue[0] == per_cue[1] else rng.randint(*per_cue)
            speech = " ".join(rng.choice(sentences) for _ in range(count))
        out += [f"{rng.getrandbits(128):032x}/{i % 40}-0", f"{_ts(start)} --> {_ts(start + step * length)}",
                f"<v {speaker}>{speech}</v>", ""]
    return "\n".join(out).encode("utf-8")


def _ts(seconds):
    return f"{int(seconds // 3600):02d}:{int(seconds % 3600 // 60):02d}:{seconds % 60:06.3f}"


def long_transcript(project, user, cues=1000, seed=1, title="Langt intervju"):
    parsed = parse_file("møte.vtt", teams_vtt(cues, seed))
    mapping = suggest_mapping(project=project, speakers=parsed.speakers(), interviewers=["Intervjuer"])
    return transcript_import(project=project, user=user, parsed=parsed, mapping=mapping, title=title,
                             county=project.counties.get(name="Agder"), interview_format="group_interview",
                             source_name="møte.vtt")
