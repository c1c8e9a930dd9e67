"""Root URLs, and the planner app's own under the `planner` namespace."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from planner import plandoc_urls, views

planner_patterns = [
    path("", views.project_list, name="project_list"),
    path("studies/new/", views.project_create_view, name="project_create"),
    path("s/<slug:slug>/", views.project_detail, name="project_detail"),
    path("s/<slug:slug>/counties/", views.county_list, name="county_list"),
    path("s/<slug:slug>/plans/", views.plan_list, name="plan_list"),
    path("s/<slug:slug>/plans/new/", views.plan_create_view, name="plan_create"),
    path("s/<slug:slug>/plans/import/", views.plan_import, name="plan_import"),
    path("s/<slug:slug>/plans/export.xlsx", views.plan_export, {"fmt": "xlsx"}, name="plan_export_xlsx"),
    path("s/<slug:slug>/plans/export.csv", views.plan_export, {"fmt": "csv"}, name="plan_export_csv"),
    path("s/<slug:slug>/plans/<int:plan_id>/edit/", views.plan_edit, name="plan_edit"),
    path("s/<slug:slug>/plans/<int:plan_id>/delete/", views.plan_delete_view, name="plan_delete"),
    path("s/<slug:slug>/members/", views.member_list, name="member_list"),
    path("s/<slug:slug>/members/add/", views.member_add, name="member_add"),
    path("s/<slug:slug>/members/<int:member_id>/role/", views.member_role, name="member_role"),
    path("s/<slug:slug>/members/<int:member_id>/remove/", views.member_remove, name="member_remove"),
    path("s/<slug:slug>/members/<int:member_id>/unlock/", views.member_unlock, name="member_unlock"),
]
planner_patterns += plandoc_urls.urlpatterns

account_patterns = [
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path("password/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
]

urlpatterns = [
    path("", include((planner_patterns, "planner"))),
    path("", include("interviews.urls")),
    path("", include("coding.urls")),
    path("account/", include(account_patterns)),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("healthz", views.healthz, name="healthz"),
]
