"""Other documents («annet»): an interview guide is attached, coded and searched, and counted in the matrix
only when asked for."""

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from coding.models import Excerpt, Theme
from coding.quotes import internal_attribution, read_quotes
from coding.review.matrix import matrix
from coding.search import search
from coding.services import excerpt_create
from planner.models import County, Document
from planner.services import membership_set, project_create


def test_an_interview_guide_is_codable_searchable_and_outside_the_matrix_by_default(client, lead, analyst, viewer,
                                                                                      django_assert_num_queries):
    project = project_create(name="Annet", lead=lead)
    membership_set(project=project, user=analyst, role="analyst")
    membership_set(project=project, user=viewer, role="viewer")
    county = County.objects.create(project=project, name="Agder")
    theme = Theme.objects.create(project=project, name="Metode", colour="#0067A5", position=1)
    url = reverse("planner:other_documents", args=[project.slug])
    client.force_login(viewer)
    assert client.post(url, {"files": SimpleUploadedFile("guide.txt", b"x")}).status_code == 403
    client.force_login(analyst)
    guide = b"Intervjuguide\n\nHvordan er integreringsarbeidet organisert hos dere?"
    page = client.post(url, {"files": SimpleUploadedFile("guide.txt", guide), "title": "Intervjuguide",
                             "county": county.pk}, follow=True)
    assert "guide.txt er lagt ved som «Intervjuguide»" in page.content.decode()
    document = Document.objects.get(kind=Document.Kind.OTHER)
    assert document.county == county and document.plan is None
    assert reverse("coding:document_code", args=[project.slug, document.pk]) in page.content.decode()
    assert sum(r.count for r in search(project=project, query="integreringsarbeidet")) == 1
    start = document.text.index("integreringsarbeidet")
    excerpt = excerpt_create(document=document, start=start, end=start + 20, coder=analyst, themes=[theme])
    quote = read_quotes(Excerpt.objects.filter(pk=excerpt.pk))[excerpt.pk]
    assert internal_attribution(quote) == "Intervjuguide – Agder"
    assert matrix(project=project).value(theme.pk, county.pk) == 0
    assert matrix(project=project, sources="all").value(theme.pk, county.pk) == 1
    refused = client.post(url, {"files": SimpleUploadedFile("guide.exe", b"MZ")}, follow=True)
    assert "kan ikke legges til" in refused.content.decode()
    Document.objects.create(project=project, kind=Document.Kind.OTHER, title="Referat", text="Møte.")
    with django_assert_num_queries(6):  # as many with two documents as with one
        assert "Referat" in client.get(url).content.decode()
