"""Login throttling with django-axes: a user name is locked at one address after the configured number of
wrong passwords, the login page says so in Norwegian, and the lead or an admin can unlock."""

from axes.models import AccessAttempt
from django.urls import reverse

from planner.lockouts import locked_out
from tests.conftest import PASSWORD


def wrong(client, username, times, address="10.0.0.7"):
    return [client.post(reverse("login"), {"username": username, "password": "feil-passord"},
                        REMOTE_ADDR=address) for _ in range(times)]


def right(client, user, address="10.0.0.7"):
    return client.post(reverse("login"), {"username": user.username, "password": PASSWORD},
                       REMOTE_ADDR=address)


def test_it_locks_after_the_configured_failures_with_the_norwegian_message(client, settings, analyst):
    assert settings.AXES_FAILURE_LIMIT == 5
    responses = wrong(client, analyst.username, 5)
    assert [r.status_code for r in responses] == [200, 200, 200, 200, 429]
    page = responses[-1].content.decode()
    assert "For mange mislykkede innlogginger for dette brukernavnet fra denne adressen." in page
    assert "Innloggingen er sperret i 15 minutter." in page
    assert '<form method="post"' in page and 'name="username"' in page  # the page, not a bare 403 text
    assert "Content-Security-Policy" in responses[-1]
    locked = right(client, analyst)  # the right password does not help now
    assert locked.status_code == 429 and "_auth_user_id" not in client.session


def test_the_lock_holds_for_the_name_at_that_address_only(client, analyst, viewer):
    wrong(client, analyst.username, 5)
    assert right(client, analyst, address="10.0.0.8").status_code == 302
    client.logout()
    assert right(client, viewer).status_code == 302


def test_a_success_before_the_limit_starts_the_count_again(client, analyst):
    wrong(client, analyst.username, 4)
    assert right(client, analyst).status_code == 302
    client.logout()
    assert [r.status_code for r in wrong(client, analyst.username, 4)] == [200] * 4


def test_the_lead_sees_the_lock_and_unlocks_a_member(client, project, lead, analyst):
    wrong(client, analyst.username, 5)
    client.force_login(lead)
    url = reverse("planner:member_list", args=[project.slug])
    page = client.get(url).content.decode()
    member = project.memberships.get(user=analyst)
    unlock = reverse("planner:member_unlock", args=[project.slug, member.pk])
    assert page.count('/unlock/"') == 1 and f'action="{unlock}"' in page
    assert "Sperret etter for mange feil passord" in page
    response = client.post(unlock, follow=True)
    assert "analytiker kan logge inn igjen." in response.content.decode()
    assert '/unlock/"' not in response.content.decode()
    assert locked_out([analyst.username]) == set()
    client.logout()
    assert right(client, analyst).status_code == 302


def test_the_viewer_sees_no_lock_and_cannot_unlock(client, project, viewer, analyst):
    wrong(client, analyst.username, 5)
    client.force_login(viewer)
    assert "/unlock/" not in client.get(reverse("planner:member_list", args=[project.slug])).content.decode()
    member = project.memberships.get(user=analyst)
    assert client.post(reverse("planner:member_unlock", args=[project.slug, member.pk])).status_code == 403
    assert locked_out([analyst.username]) == {analyst.username}


def test_an_admin_finds_the_lockouts_in_the_admin(client, lead, analyst):
    wrong(client, analyst.username, 5)
    lead.is_staff = lead.is_superuser = True
    lead.save()
    client.force_login(lead)
    page = client.get(reverse("admin:axes_accessattempt_changelist")).content.decode()
    assert analyst.username in page
    attempt = AccessAttempt.objects.get(username=analyst.username)
    client.post(reverse("admin:axes_accessattempt_delete", args=[attempt.pk]), {"post": "yes"})
    assert locked_out([analyst.username]) == set()


def test_behind_a_proxy_the_address_is_the_one_the_proxy_saw(client, settings, analyst):
    settings.TRUSTED_PROXY_COUNT = 1
    for n in range(5):  # a forged left-hand entry per try does not give a fresh address
        response = client.post(reverse("login"), {"username": analyst.username, "password": "feil"},
                               REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR=f"192.0.2.{n}, 203.0.113.9")
    assert response.status_code == 429
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"203.0.113.9"}
    other = client.post(reverse("login"), {"username": analyst.username, "password": PASSWORD},
                        REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.10")
    assert other.status_code == 302
