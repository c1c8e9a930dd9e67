"""Middleware: the UI language, and a strict Content-Security-Policy.

The policy allows no inline scripts and nothing from other origins. Style attributes are
allowed (theme colours are data, set per element); style elements are not.
"""

from django.conf import settings
from django.middleware.locale import LocaleMiddleware
from django.utils import translation

POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; style-src-attr 'unsafe-inline'; img-src 'self' data:; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
)


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        # Django's admin still relies on a few inline styles; our own pages need none.
        if not request.path.startswith("/admin/"):
            response.headers.setdefault("Content-Security-Policy", POLICY)
        return response


class LanguageMiddleware(LocaleMiddleware):
    """Norwegian bokmål unless the user picked another language with the switch.

    Django's LocaleMiddleware would follow the browser's Accept-Language, which on most
    machines says English; the team works in Norwegian whatever the browser says.
    """

    def process_request(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if chosen not in dict(settings.LANGUAGES):
            chosen = settings.LANGUAGE_CODE
        translation.activate(chosen)
        request.LANGUAGE_CODE = translation.get_language()
