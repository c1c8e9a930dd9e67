"""The plan register in the browser: add, edit, delete, import and download, and who may do which."""

import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from planner.models import Document, Plan
from planner.services import project_create
from tests.conftest import make_user

# One study and its users for the whole module (tests/conftest.py `module_study`); each test's changes
# are rolled back after it.
pytestmark = pytest.mark.usefixtures("module_study")


def _plan(project, title="Kompetansestrategi Agder 2030"):
    return Plan.objects.get(county__project=project, title=title)


def _data(project, **changes):
    data = {"county": project.counties.get(name="Agder").pk, "plan_type": "other", "title": "Handlingsplan for "
            "inkludering", "year": 2025, "status": "consultation", "url": "https://agder.no/plan", "notes": "Ny"}
    return {**data, **changes}


def _register(project):
    return sorted(Plan.objects.filter(county__project=project).values_list(
        "county__name", "plan_type", "title", "year", "status", "url", "notes"))


def _english(client, user):
    client.force_login(user)
    client.cookies["django_language"] = "en"


def _messages(response):
    return [str(m) for m in response.context["messages"]]


# --- Who may ------------------------------------------------------------------------------------

WRITES = ["planner:plan_create", "planner:plan_edit", "planner:plan_delete", "planner:plan_import"]


def _url(name, project):
    plan_args = [project.slug, _plan(project).pk] if name in ("planner:plan_edit", "planner:plan_delete") else None
    return reverse(name, args=plan_args or [project.slug])


@pytest.mark.parametrize("method", ["get", "post"])
@pytest.mark.parametrize("name", WRITES)
def test_a_viewer_gets_403_on_every_write(client, project, viewer, name, method):
    before = _register(project)
    client.force_login(viewer)
    assert getattr(client, method)(_url(name, project), _data(project) if method == "post" else None).status_code == 403
    assert _register(project) == before


@pytest.mark.parametrize(("name", "method"), [
    *[(name, method) for name in WRITES for method in ("get", "post")],
    ("planner:plan_export_xlsx", "get"), ("planner:plan_export_csv", "get"),
])
def test_an_outsider_gets_404(client, project, outsider, name, method):
    before = _register(project)
    client.force_login(outsider)
    assert getattr(client, method)(_url(name, project), _data(project) if method == "post" else None).status_code == 404
    assert _register(project) == before


@pytest.mark.parametrize("name", WRITES)
def test_an_analyst_may_open_every_write(client, project, analyst, name):
    client.force_login(analyst)
    assert client.get(_url(name, project)).status_code == 200


@pytest.mark.parametrize("name", [*WRITES, "planner:plan_export_xlsx", "planner:plan_export_csv"])
def test_other_methods_get_405(client, project, analyst, name):
    client.force_login(analyst)
    assert client.put(_url(name, project)).status_code == 405
    if "export" in name:
        assert client.post(_url(name, project)).status_code == 405


@pytest.mark.parametrize("name", ["planner:plan_edit", "planner:plan_delete"])
def test_a_plan_of_another_study_is_not_found(client, project, lead, name):
    other = project_create(name="Annen studie", lead=make_user("annen"), template="integrering")
    client.force_login(lead)  # lead of `project`, not of `other`
    url = reverse(name, args=[project.slug, _plan(other).pk])
    assert client.get(url).status_code == 404
    assert client.post(url, _data(project)).status_code == 404
    assert Plan.objects.filter(county__project=other).count() == 43


def test_the_list_offers_writes_only_to_writers_and_downloads_to_all(client, project, analyst, viewer):
    create, export = reverse("planner:plan_create", args=[project.slug]), reverse("planner:plan_export_xlsx",
                                                                                 args=[project.slug])
    edit = reverse("planner:plan_edit", args=[project.slug, _plan(project).pk])
    client.force_login(viewer)
    page = client.get(reverse("planner:plan_list", args=[project.slug])).content.decode()
    assert export in page and create not in page and edit not in page
    client.force_login(analyst)
    page = client.get(reverse("planner:plan_list", args=[project.slug])).content.decode()
    assert export in page and create in page and edit in page


def test_the_download_links_carry_the_filters(client, project, viewer):
    client.force_login(viewer)
    agder = project.counties.get(name="Agder")
    page = client.get(reverse("planner:plan_list", args=[project.slug]), {"county": agder.pk, "sort": "-year"})
    export = reverse("planner:plan_export_csv", args=[project.slug])
    assert f'href="{export}?county={agder.pk}&amp;sort=-year"' in page.content.decode()


# --- Add, edit, delete ----------------------------------------------------------------------------


def test_an_analyst_adds_a_plan(client, project, analyst):
    _english(client, analyst)
    response = client.post(reverse("planner:plan_create", args=[project.slug]), _data(project), follow=True)
    plan = _plan(project, "Handlingsplan for inkludering")
    assert (plan.county.name, plan.plan_type, plan.year, plan.status, plan.url, plan.notes) == (
        "Agder", "other", 2025, "consultation", "https://agder.no/plan", "Ny")
    assert "The plan «Handlingsplan for inkludering» was added." in _messages(response)


def test_the_lead_edits_a_plan(client, project, lead):
    plan = _plan(project)
    client.force_login(lead)
    data = _data(project, title=plan.title, year=2019, status="expired", url="agder.no/kompetanse", notes="Erstattet")
    response = client.post(reverse("planner:plan_edit", args=[project.slug, plan.pk]), data)
    assert response.status_code == 302
    plan.refresh_from_db()
    assert (plan.plan_type, plan.year, plan.status, plan.url, plan.notes) == (
        "other", 2019, "expired", "https://agder.no/kompetanse", "Erstattet")


def test_the_status_is_shown_in_norwegian(client, project, viewer):
    client.force_login(viewer)
    page = client.get(reverse("planner:plan_list", args=[project.slug])).content.decode()
    assert "Høringsutkast" in page and "Utgått" in page and "Vedtatt" in page


@pytest.mark.parametrize(("change", "field"), [
    ({"year": 1949}, "year"), ({"year": 2101}, "year"), ({"year": "i fjor"}, "year"), ({"title": ""}, "title"),
    ({"plan_type": "handlingsplan"}, "plan_type"), ({"status": "forkastet"}, "status"), ({"url": "ikke en url"}, "url"),
])
def test_the_form_refuses_bad_values_and_saves_nothing(client, project, analyst, change, field):
    before = _register(project)
    client.force_login(analyst)
    response = client.post(reverse("planner:plan_create", args=[project.slug]), _data(project, **change))
    assert response.status_code == 200
    assert list(response.context["form"].errors) == [field]
    assert _register(project) == before


def test_the_form_refuses_a_county_of_another_study(client, project, analyst):
    other = project_create(name="Annen studie", lead=make_user("annen"), template="integrering")
    client.force_login(analyst)
    response = client.post(reverse("planner:plan_create", args=[project.slug]),
                           _data(project, county=other.counties.get(name="Agder").pk))
    assert list(response.context["form"].errors) == ["county"]
    assert Plan.objects.count() == 86


def test_the_form_refuses_a_plan_that_is_already_registered(client, project, analyst):
    plan = _plan(project)
    client.force_login(analyst)
    data = _data(project, plan_type=plan.plan_type, title=plan.title, year=plan.year)
    response = client.post(reverse("planner:plan_create", args=[project.slug]), data)
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert Plan.objects.filter(title=plan.title).count() == 1


def test_an_analyst_deletes_a_plan_without_documents(client, project, analyst):
    plan = _plan(project)
    _english(client, analyst)
    url = reverse("planner:plan_delete", args=[project.slug, plan.pk])
    assert 'id="plan-delete"' in client.get(url).content.decode()
    response = client.post(url, follow=True)
    assert not Plan.objects.filter(pk=plan.pk).exists()
    assert f"The plan «{plan.title}» was deleted." in _messages(response)


def test_a_plan_with_documents_is_not_deleted(client, project, analyst):
    plan = _plan(project)
    document = Document.objects.create(project=project, kind="plan", county=plan.county, plan=plan, title="PDF",
                                       text="Innvandrere i distriktskommuner")
    _english(client, analyst)
    url = reverse("planner:plan_delete", args=[project.slug, plan.pk])
    page = client.get(url).content.decode()
    assert 'id="plan-in-use"' in page and 'id="plan-delete"' not in page
    response = client.post(url, follow=True)
    assert Plan.objects.filter(pk=plan.pk).exists() and Document.objects.filter(pk=document.pk).exists()
    assert _messages(response) == [f"«{plan.title}» was not deleted: 1 document belongs to it, with whatever is "
                                   "coded in it. Delete the document first."]


# --- Import and export ----------------------------------------------------------------------------


def _download(client, project, fmt, params=None):
    response = client.get(reverse(f"planner:plan_export_{fmt}", args=[project.slug]), params or {})
    assert response.status_code == 200
    return response


def _upload(client, project, name, data):
    return client.post(reverse("planner:plan_import", args=[project.slug]),
                       {"file": SimpleUploadedFile(name, data)}, follow=True)


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_a_downloaded_register_uploads_again_without_changes(client, project, analyst, fmt):
    before = _register(project)
    _english(client, analyst)
    download = _download(client, project, fmt)
    assert download["Content-Disposition"] == f'attachment; filename="planregister-{project.slug}.{fmt}"'
    response = _upload(client, project, f"planregister.{fmt}", download.content)
    assert _messages(response) == [f"planregister.{fmt} was imported: 0 created, 0 changed, 43 unchanged."]
    assert _register(project) == before


def test_a_viewer_downloads_the_filtered_register(client, project, viewer):
    client.force_login(viewer)
    agder = project.counties.get(name="Agder")
    response = _download(client, project, "xlsx", {"county": agder.pk, "sort": "year"})
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    rows = list(openpyxl.load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert {row[0] for row in rows[1:]} == {"Agder"} and len(rows) == 6
    assert [row[3] for row in rows[1:]] == sorted(row[3] for row in rows[1:])
    csv_text = _download(client, project, "csv", {"plan_type": "business"}).content.decode("utf-8-sig")
    assert {line.split(";")[1] for line in csv_text.splitlines()[1:]} == {"Næringsplan"}


def test_the_download_does_not_grow_queries_with_rows(client, project, viewer, django_assert_num_queries):
    client.force_login(viewer)
    _download(client, project, "xlsx")  # warm the session
    with django_assert_num_queries(5):  # session, user, membership, plans, the searches chosen as columns
        _download(client, project, "xlsx")
    county = project.counties.get(name="Troms")
    Plan.objects.bulk_create(Plan(county=county, plan_type="other", title=f"Ekstra {i}", year=2020) for i in range(30))
    with django_assert_num_queries(5):
        _download(client, project, "csv")


def test_an_upload_creates_and_updates(client, project, analyst):
    _english(client, analyst)
    data = ("Fylke;Type;Tittel;År;Status;URL;Merknad\r\n"
            "Agder;Annen plan;Ny plan;2025;Vedtatt;;\r\n"
            "Troms;Kunnskapsgrunnlag;Kunnskap om Troms;2024;Utgått;;Erstattet\r\n").encode()
    response = _upload(client, project, "planer.csv", data)
    assert _messages(response) == ["planer.csv was imported: 1 created, 1 changed, 0 unchanged."]
    assert _plan(project, "Kunnskap om Troms").status == "expired"


def test_a_bad_upload_lists_its_problems_and_saves_nothing(client, project, analyst):
    before = _register(project)
    client.force_login(analyst)
    data = ("Fylke;Type;Tittel;År;Status;URL;Merknad\r\n"
            "Agder;Annen plan;Ny plan;2025;Vedtatt;;\r\n"
            "Viken;Annen plan;Ny plan;1800;Vedtatt;;\r\n").encode()
    response = _upload(client, project, "planer.csv", data)
    assert response.status_code == 200
    assert [(p.row, p.column) for p in response.context["problems"]] == [(3, "Fylke"), (3, "År")]
    page = response.content.decode()
    assert "planer.csv" in page and "Viken" in page
    assert _register(project) == before


def test_a_corrupt_upload_is_named(client, project, analyst):
    client.force_login(analyst)
    response = _upload(client, project, "regneark.xlsx", b"PK\x03\x04 skadet")
    assert response.status_code == 200
    assert "regneark.xlsx" in response.context["problems"][0].message


def test_an_upload_over_the_size_limit_is_refused(client, project, analyst, settings):
    settings.UPLOAD_MAX_MB = 1
    _english(client, analyst)
    response = _upload(client, project, "stor.csv", b"x" * 1_100_000)
    assert response.status_code == 200
    assert response.context["form"].errors["file"] == ["stor.csv is too large; the limit is 1 MB. It was not read."]
