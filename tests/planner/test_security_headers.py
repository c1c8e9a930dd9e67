"""Security headers: the Content-Security-Policy from django-csp, Permissions-Policy everywhere, and
`Cache-Control: no-store` on every page and download a signed-in user gets."""

from django.urls import reverse

POLICY = ("default-src 'self'", "script-src 'self'", "style-src 'self'", "style-src-attr 'unsafe-inline'",
          "img-src 'self' data:", "connect-src 'self'", "frame-ancestors 'none'", "base-uri 'self'",
          "form-action 'self'")


def directives(response):
    return sorted(part.strip() for part in response["Content-Security-Policy"].split(";"))


def assert_secure(response):
    assert directives(response) == sorted(POLICY)
    assert "'unsafe-inline'" not in response["Content-Security-Policy"].split("script-src")[1].split(";")[0]
    features = dict(item.split("=") for item in response["Permissions-Policy"].split(", "))
    assert {features[name] for name in ("camera", "microphone", "geolocation", "autoplay", "payment")} == {"()"}
    assert response["Cache-Control"] == "no-store"


def test_a_logged_in_page_is_not_stored_and_has_every_policy(client, project, viewer):
    client.force_login(viewer)
    response = client.get(reverse("planner:project_detail", args=[project.slug]))
    assert response.status_code == 200
    assert_secure(response)


def test_a_download_is_not_stored_and_has_every_policy(client, project, viewer):
    client.force_login(viewer)
    response = client.get(reverse("planner:plan_export_csv", args=[project.slug]))
    assert response.status_code == 200 and response["Content-Disposition"].startswith("attachment")
    assert_secure(response)


def test_an_error_page_for_a_signed_in_user_is_not_stored_either(client, viewer):
    client.force_login(viewer)
    response = client.get("/s/finnes-ikke/")
    assert response.status_code == 404
    assert response["Cache-Control"] == "no-store"


def test_the_login_page_has_the_policies(client):
    response = client.get(reverse("login"))
    assert directives(response) == sorted(POLICY)
    assert "camera=()" in response["Permissions-Policy"]


def test_the_admin_keeps_its_inline_styles(client, lead):
    lead.is_staff = lead.is_superuser = True
    lead.save()
    client.force_login(lead)
    response = client.get("/admin/")
    assert response.status_code == 200
    assert "Content-Security-Policy" not in response
    assert "no-store" in response["Cache-Control"]
