"""create_study and the study template."""

import pytest
from django.core.management import CommandError, call_command
from django.http import HttpRequest

from coding.models import Theme
from planner.models import County, Membership, Plan, Project


def _study_counts(project):
    return (
        Theme.objects.filter(project=project).count(),
        County.objects.filter(project=project).count(),
        County.objects.filter(project=project, in_study=True).count(),
        Plan.objects.filter(county__project=project).count(),
    )


def test_it_creates_the_template_study_once_however_often_it_runs(lead, capsys):
    for _ in range(2):
        call_command("create_study", template="integrering", name="Integrering", lead="leder")
    project = Project.objects.get()
    assert _study_counts(project) == (17, 15, 11, 43)
    assert Membership.objects.filter(project=project).count() == 1
    assert "Updated study" in capsys.readouterr().out


def test_it_keeps_the_report_figures(project):
    troms = project.counties.get(name="Troms")
    assert (troms.municipalities, troms.district_municipalities, troms.district_share) == (21, 19, 90)
    assert not project.counties.get(name="Oslo").in_study
    buskerud_strategy = Plan.objects.get(county__project=project, county__name="Buskerud", plan_type="strategy")
    assert buskerud_strategy.status == Plan.Status.CONSULTATION
    themes = list(project.themes.order_by("position"))
    assert themes[0].name == "Planer og strategier"
    assert themes[-1].name == "Forankring, ressurser og utfordringer"
    assert len({t.colour.lower() for t in themes}) == 17
    assert len({t.shortcut_key for t in themes}) == 17


def test_it_refuses_an_unknown_lead(db):
    with pytest.raises(CommandError, match="No user is called 'ingen'"):
        call_command("create_study", template="integrering", name="Integrering", lead="ingen")


def test_it_makes_a_blank_study_without_template(lead):
    call_command("create_study", name="Tom studie", lead="leder")
    assert _study_counts(Project.objects.get(slug="tom-studie")) == (0, 0, 0, 0)


def test_it_keeps_uuids_stable_when_the_template_is_applied_again(project):
    before = {t.name: t.uuid for t in project.themes.all()} | {c.name: c.uuid for c in project.counties.all()}
    call_command("create_study", template="integrering", name=project.name, lead="leder")
    after = {t.name: t.uuid for t in project.themes.all()} | {c.name: c.uuid for c in project.counties.all()}
    assert before == after


def _printed_password(capsys):
    return capsys.readouterr().out.split("with password «")[1].split("»")[0]


def test_load_demo_prints_a_password_that_works_and_keeps_it_unless_asked(db, capsys, client, settings, tmp_path):
    settings.DATA_DIR = tmp_path  # where the password is kept between runs
    call_command("load_demo")
    password = _printed_password(capsys)
    assert client.login(request=HttpRequest(), username="demo", password=password)  # django-axes wants one
    assert _study_counts(Project.objects.get()) == (17, 15, 11, 43)
    assert (tmp_path / "demo-password.txt").stat().st_mode & 0o077 == 0  # for the one who runs it

    call_command("load_demo", url="http://127.0.0.1:8123/")
    out = capsys.readouterr().out
    assert "Log in at http://127.0.0.1:8123/ as «demo»" in out and f"with password «{password}»" in out
    assert client.login(request=HttpRequest(), username="demo", password=password)

    call_command("load_demo", reset_password=True)
    new = _printed_password(capsys)
    assert new != password and client.login(request=HttpRequest(), username="demo", password=new)
    assert not client.login(request=HttpRequest(), username="demo", password=password)
