"""The deployed static files: collectstatic with the production storage (planner/storage.py).

The coding view's ES modules import each other by relative path; the hashed copies must import
hashed copies, or a browser would mix a cached old module with a new one after a deployment.
"""

import json
import re
import shutil
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command

pytestmark = pytest.mark.no_database

IMPORT = re.compile(r"""^import .* from "(\./[^"]+)";$""", re.MULTILINE)
SOURCE = Path(django_settings.BASE_DIR) / "static"


def collect(settings, root, dirs=None):
    settings.STORAGES = {**settings.STORAGES, "staticfiles": {"BACKEND": "planner.storage.StaticFilesStorage"}}
    settings.STATIC_ROOT = root
    if dirs is not None:
        settings.STATICFILES_DIRS = dirs
        settings.STATICFILES_FINDERS = ["django.contrib.staticfiles.finders.FileSystemFinder"]
    call_command("collectstatic", interactive=False, verbosity=0)
    return json.loads((root / "staticfiles.json").read_text())["paths"]


def test_it_points_each_hashed_module_at_hashed_modules(settings, tmp_path):
    paths = collect(settings, tmp_path)
    modules = sorted(name for name in paths if name.startswith("js/coding/"))
    assert "js/coding/main.js" in modules and "js/coding/selection.js" in modules
    seen = 0
    for name in modules:
        text = (tmp_path / paths[name]).read_text()
        for url in IMPORT.findall(text):
            target = "js/coding/" + url.removeprefix("./")
            assert target in paths.values(), f"{paths[name]} imports {url}, which is not a hashed file"
            assert (tmp_path / target).exists()
            seen += 1
    # main.js alone imports five modules; the others import selection.js.
    assert seen >= 5


def test_it_gives_main_a_new_name_when_a_module_it_imports_changes(settings, tmp_path):
    source = tmp_path / "static"
    shutil.copytree(SOURCE / "js" / "coding", source / "js" / "coding")
    before = collect(settings, tmp_path / "one", [source])["js/coding/main.js"]
    leaf = source / "js" / "coding" / "selection.js"
    leaf.write_text(leaf.read_text() + "\n// changed\n")
    after = collect(settings, tmp_path / "two", [source])["js/coding/main.js"]
    assert before != after
