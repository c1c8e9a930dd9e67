from django.contrib import admin

from coding.models import Theme


@admin.register(Theme)
class ThemeAdmin(admin.ModelAdmin):
    list_display = ["name", "project", "position", "colour", "shortcut_key", "archived"]
    list_filter = ["project", "archived"]
    list_select_related = ["project"]
    search_fields = ["name", "description"]

