"""Login lockouts as django-axes records them: who is locked out now, and lifting a lockout.

django-axes owns the records (its AccessAttempt model, also in the admin); the lead sees and
lifts the lockouts of their study's members on the members page.
"""

from axes.models import AccessAttempt
from axes.utils import reset
from django.conf import settings
from django.db import transaction
from django.utils import timezone


def client_address(request):
    """The address a login comes from (django-axes: AXES_CLIENT_IP_CALLABLE).

    Behind TRUSTED_PROXY_COUNT reverse proxies each proxy appends the address it saw to
    X-Forwarded-For, so the client is that many entries from the right; entries further left
    are whatever the client sent and would let an attacker pick a fresh address per try.
    """
    count = settings.TRUSTED_PROXY_COUNT
    if count:
        hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
        if len(hops) >= count:
            return hops[-count]
    return request.META.get("REMOTE_ADDR")


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
