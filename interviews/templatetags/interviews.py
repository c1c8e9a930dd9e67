"""Template filters and tags of the interviews app."""

from django import template

from interviews.forms import TurnAssignForm
from interviews.models import Participant, format_seconds

register = template.Library()


@register.filter
def timecode(seconds):
    """00:14:32 for 872.4 seconds."""
    return format_seconds(seconds)


@register.inclusion_tag("interviews/_turn_assign.html", takes_context=True)
def turn_assign_panel(context):
    """The turn assignment form as a panel of the transcript page (for those who may write).

    A tag rather than view context, so that the transcript view need not know of assigning;
    «?first=N» (where an assignment sends the reader back) opens it ready for the next run.
    """
    project, document = context["project"], context["document"]
    first = context["request"].GET.get("first")
    # The list needs the labels only: a study of 220 interviews has some 1,300 participants.
    participants = Participant.objects.filter(project=project).only("pk", "label")
    form = TurnAssignForm(participants=list(participants), initial={"first": first})
    return {"project": project, "document": document, "form": form, "panel": True, "open": bool(first),
            "csrf_token": context.get("csrf_token")}
