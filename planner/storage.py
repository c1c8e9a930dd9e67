"""Static files storage: whitenoise's compressed manifest storage, with our ES module imports hashed.

The coding view's script is ES modules (static/js/coding/) that import each other by relative
path. Left alone, a hashed main.js (cached for ever) would import its unhashed siblings, which
whitenoise serves with a short cache life and which change under it at the next deployment.
Django's `support_js_module_import_aggregation` rewrites such imports, but for every .js file,
and third-party files (django_htmx's extensions) have imports it cannot resolve; so its patterns
are applied to our own scripts only.
"""

from django.contrib.staticfiles.storage import ManifestStaticFilesStorage
from whitenoise.storage import CompressedManifestStaticFilesStorage

# ("*.js", (import patterns...)) in Django 5.2; we keep the patterns and narrow the files.
_MODULE_IMPORTS = ManifestStaticFilesStorage._js_module_import_aggregation_patterns[1]


class StaticFilesStorage(CompressedManifestStaticFilesStorage):
    patterns = CompressedManifestStaticFilesStorage.patterns + (("js/*.js", _MODULE_IMPORTS),)
