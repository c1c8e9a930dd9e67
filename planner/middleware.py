"""Middleware: the UI language, and the security headers django-csp does not send.

The Content-Security-Policy itself comes from django-csp (CONTENT_SECURITY_POLICY in settings).
"""

from django.conf import settings
from django.middleware.locale import LocaleMiddleware
from django.utils import translation
from django.utils.cache import patch_cache_control


class SecurityHeadersMiddleware:
    """Permissions-Policy on every response; `Cache-Control: no-store` on everything a signed-in user gets.

    Logged-in pages and downloads hold interview text: a shared or proxy cache, or the browser's
    back button after logout, must not show it again. Static files are public and keep their caching.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        user = getattr(request, "user", None)
        static = request.path.startswith("/" + settings.STATIC_URL.lstrip("/"))
        if user is not None and user.is_authenticated and not static:
            patch_cache_control(response, no_store=True)
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
