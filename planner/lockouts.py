"""Login lockouts as django-axes records them: who is locked out now, and lifting a lockout.

django-axes owns the records (its AccessAttempt model, also in the admin); the lead sees and
lifts the lockouts of their study's members on the members page.
"""

from axes.models import AccessAttempt
from axes.utils import reset
from django.conf import settings
from django.db import transaction
from django.utils import timezone


def locked_out(usernames):
    """The user names among `usernames` that cannot log in now (from at least one address)."""
    since = timezone.now() - settings.AXES_COOLOFF_TIME
    return set(AccessAttempt.objects.filter(
        username__in=list(usernames), failures_since_start__gte=settings.AXES_FAILURE_LIMIT,
        attempt_time__gte=since,
    ).values_list("username", flat=True))


@transaction.atomic
def login_unlock(*, user) -> int:
    """Lift every lockout of the user's name, from every address; the number of records removed."""
    return reset(username=user.get_username())
