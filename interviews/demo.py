"""The demo study's fictional group interviews, loaded through the real importers.

fixtures/demo/interviews/speakers.json says, per file, the county, date and what each speaker
is (role, field); labels are given here, numbered across the study as at a real import.
"""

import datetime
import json
from pathlib import Path

from django.conf import settings

from interviews.importers import parse_file
from interviews.services import NewParticipant, suggest_mapping, transcript_import
from planner.models import Document

DEMO_FOLDER = Path(settings.BASE_DIR) / "fixtures" / "demo" / "interviews"


def demo_interviews_load(*, project, user):
    """Import every demo interview not yet in the study; returns the new documents."""
    manifest = json.loads((DEMO_FOLDER / "speakers.json").read_text(encoding="utf-8"))
    have = set(Document.objects.filter(project=project, kind=Document.Kind.TRANSCRIPT).values_list(
        "source_name", flat=True))
    documents = []
    for file_name, info in manifest.items():
        if file_name in have:
            continue
        parsed = parse_file(file_name, (DEMO_FOLDER / file_name).read_bytes())
        mapping = suggest_mapping(project=project, speakers=parsed.speakers(), interviewers=[
            name for name, who in info["speakers"].items() if who["role"] == "interviewer"])
        for speaker, target in mapping.items():
            who = info["speakers"].get(speaker)
            if isinstance(target, NewParticipant) and who:
                target.role, target.field = who["role"], who["field"]
        documents.append(transcript_import(
            project=project, user=user, parsed=parsed, mapping=mapping,
            title=f"Gruppeintervju {info['county']} (fiktivt)", county=project.counties.get(name=info["county"]),
            interview_format=info["format"], date=datetime.date.fromisoformat(info["date"]), source_name=file_name,
        ))
    return documents
