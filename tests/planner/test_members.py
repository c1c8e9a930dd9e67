"""The lead adds, creates, re-roles and removes members; the last lead cannot go."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from planner.models import Membership
from tests.conftest import make_user

# One study and its users for the whole module (tests/conftest.py `module_study`); each test's changes
# are rolled back after it.
pytestmark = pytest.mark.usefixtures("module_study")


def test_it_adds_an_existing_user(client, project, lead):
    make_user("kari")
    client.force_login(lead)
    response = client.post(reverse("planner:member_add", args=[project.slug]), {"username": "kari", "role": "analyst"})
    assert response.status_code == 302
    assert project.memberships.get(user__username="kari").role == "analyst"


def test_it_creates_a_new_user_with_a_first_password(client, project, lead):
    client.force_login(lead)
    data = {"username": "ola", "role": "viewer", "create": "on", "password": "lang-og-trygg-2025"}
    client.post(reverse("planner:member_add", args=[project.slug]), data)
    assert get_user_model().objects.get(username="ola").check_password("lang-og-trygg-2025")
    assert project.memberships.get(user__username="ola").role == "viewer"


def test_it_explains_an_unknown_user_and_saves_nothing(client, project, lead):
    client.force_login(lead)
    response = client.post(reverse("planner:member_add", args=[project.slug]), {"username": "ingen", "role": "viewer"})
    assert response.status_code == 200
    assert "ingen" in response.content.decode()
    assert project.memberships.count() == 3


def test_it_refuses_a_weak_first_password(client, project, lead):
    client.force_login(lead)
    data = {"username": "ola", "role": "viewer", "create": "on", "password": "123"}
    response = client.post(reverse("planner:member_add", args=[project.slug]), data)
    assert response.status_code == 200
    assert not get_user_model().objects.filter(username="ola").exists()
    # Every password message in Norwegian, «too short» too (Django's nb catalog misses its msgid)
    assert response.context["add_form"].errors["password"] == [
        "Passordet er for kort. Det må bestå av minst 8 tegn.", "Dette passordet er for vanlig.",
        "Dette passordet inneholder bare tall."]


def test_it_changes_a_role_and_removes_a_member(client, project, lead, analyst):
    client.force_login(lead)
    member = project.memberships.get(user=analyst)
    client.post(reverse("planner:member_role", args=[project.slug, member.pk]), {"role": "viewer"})
    assert project.memberships.get(user=analyst).role == "viewer"
    client.post(reverse("planner:member_remove", args=[project.slug, member.pk]))
    assert not project.memberships.filter(user=analyst).exists()


def test_it_keeps_the_last_lead(client, project, lead):
    client.force_login(lead)
    own = project.memberships.get(user=lead)
    response = client.post(reverse("planner:member_remove", args=[project.slug, own.pk]), follow=True)
    assert project.memberships.filter(user=lead, role=Membership.Role.LEAD).exists()
    assert "at least one project lead" in response.content.decode() or "minst én" in response.content.decode()
    client.post(reverse("planner:member_role", args=[project.slug, own.pk]), {"role": "viewer"})
    assert project.memberships.get(user=lead).role == Membership.Role.LEAD


def test_it_404s_a_member_of_another_study(client, project, lead):
    from planner.services import project_create

    other = project_create(name="Annen", lead=make_user("annen-leder"))
    foreign = other.memberships.get()
    client.force_login(lead)
    response = client.post(reverse("planner:member_remove", args=[project.slug, foreign.pk]))
    assert response.status_code == 404
    assert other.memberships.exists()
