from django.urls import path

from coding import views

app_name = "coding"

urlpatterns = [
    path("s/<slug:slug>/codebook/", views.theme_list, name="theme_list"),
]
