"""What the REFI-QDA tests share: the official schemas (from ../shared/refi-qda) and a small study with every
kind of data the exchange files carry (overlapping excerpts, memos, nested themes, summaries, emoji)."""

import os
from functools import cache
from pathlib import Path

import pytest

from coding.services import excerpt_create, summary_save, theme_create
from interviews.importers import parse_file
from interviews.models import Participant
from interviews.services import NewParticipant, transcript_import
from planner.models import County, Document, Membership
from planner.services import membership_set, project_create

ROOT = Path(__file__).resolve().parents[2]


def schema_folder():
    """The official schemas: $KODEVERK_REFI_SCHEMAS, else a `shared/refi-qda` folder beside the repository or one of
    the folders above it (CI has ../shared; a git worktree sits one level deeper)."""
    if os.environ.get("KODEVERK_REFI_SCHEMAS"):
        return Path(os.environ["KODEVERK_REFI_SCHEMAS"])
    for folder in [ROOT, *ROOT.parents]:
        candidate = folder / "shared" / "refi-qda"
        if (candidate / "Project.xsd").exists():
            return candidate
    return None


@cache
def _schema(name):
    import xmlschema

    folder = schema_folder()
    if folder is None:
        return None
    return xmlschema.XMLSchema(str(folder / name))


def assert_valid(xml, name):
    """Validate against Codebook.xsd or Project.xsd; skip, saying why, when the schemas are not on this machine."""
    schema = _schema(name)
    if schema is None:
        pytest.skip(f"{name} not found: no shared/refi-qda above {ROOT} and KODEVERK_REFI_SCHEMAS not set")
    errors = list(schema.iter_errors(xml))
    assert not errors, "\n".join(str(error)[:400] for error in errors[:3])


TEXT_A = ("Kari: Vi har en plan 😀 for integrering.\n"
          "Ola: Kvalifisering er viktig i distriktene 🇳🇴.\n"
          "Kari: Samarbeid med kommunene går bra.")
TEXT_B = "Planen sier: «Integrering gjennom arbeid» 👍🏽 og mer.\nSide to handler om bosetting."


def demo_study(lead, analyst=None, *, name="Utveksling"):
    """A small study: two counties, two transcripts and a plan text, nested themes (one archived), overlapping
    excerpts with several themes and memos, a theme summary; participants with roles, fields and counties."""
    project = project_create(name=name, lead=lead)
    if analyst:
        membership_set(project=project, user=analyst, role=Membership.Role.ANALYST)
    vestland = County.objects.create(project=project, name="Vestland", municipalities=43,
                                     district_municipalities=30, district_share=70)
    agder = County.objects.create(project=project, name="Agder", municipalities=25, district_share=40)
    parent = theme_create(project=project, user=lead, name="Samarbeid", colour="#0067a5", description="Alt om 🤝")
    child = theme_create(project=project, user=lead, name="Kommuner", parent=parent, colour="#F38400")
    grandchild = theme_create(project=project, user=lead, name="Små kommuner", parent=child)
    plain = theme_create(project=project, user=lead, name="Kvalifisering", description="Voksenopplæring")
    archived = theme_create(project=project, user=lead, name="Gammelt tema")
    coder = analyst or lead
    first = transcript_import(
        project=project, user=coder, parsed=parse_file("a.txt", TEXT_A.encode()), title="Intervju Vestland 🙂",
        county=vestland, interview_format="group_interview",
        mapping={"Kari": NewParticipant("Informant 1", role="leader", field="integration"),
                 "Ola": NewParticipant("Informant 2", role="advisor", field="other", field_other="Kultur")})
    Participant.objects.filter(project=project).update(county=vestland)
    plan_text = Document.objects.create(project=project, kind="transcript", county=agder, title="Notat Agder",
                                        text=TEXT_B, created_by=lead)
    text = first.text
    def span(document_text, phrase, extra=0):
        start = document_text.index(phrase)
        return start, start + len(phrase) + extra

    excerpt_create(document=first, coder=coder, themes=[parent, plain], memo="Viktig 💡 poeng",
                   **dict(zip(("start", "end"), span(text, "Vi har en plan 😀 for"), strict=True)))
    excerpt_create(document=first, coder=lead, themes=[child],
                   **dict(zip(("start", "end"), span(text, "plan 😀 for integrering"), strict=True)))
    excerpt_create(document=first, coder=coder, themes=[grandchild, child],
                   **dict(zip(("start", "end"), span(text, "distriktene 🇳🇴"), strict=True)))
    excerpt_create(document=plan_text, coder=coder, themes=[plain], memo="Sitat fra plan",
                   **dict(zip(("start", "end"), span(TEXT_B, "👍🏽 og mer"), strict=True)))
    excerpt_create(document=plan_text, coder=coder, themes=[parent],
                   **dict(zip(("start", "end"), span(TEXT_B, "bosetting"), strict=True)))
    from coding.services import theme_update

    theme_update(theme=archived, user=lead, archived=True)
    summary_save(theme=parent, county=None, user=lead, text="Samarbeid går igjen 🔁 i alle fylker.", version=0)
    return project
