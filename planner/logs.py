"""Logs as one line per event, with the request they belong to: request id, user id, method, path.

RequestLogMiddleware gives every request an id (the proxy's X-Request-ID when it is a safe token),
sends it back as X-Request-ID and logs one line when the response leaves, with its status and
duration. RequestContextFilter puts the current request's id, user, method and path on every other
record logged while it runs, and json_formatter writes records as JSON lines (python-json-logger).
The LOGGING setting wires them up; KODEVERK_LOG_FORMAT chooses json or text.
"""

import contextvars
import logging
import re
import time
import uuid

from django.db import DatabaseError
from pythonjsonlogger.core import RESERVED_ATTRS
from pythonjsonlogger.json import JsonFormatter

REQUEST_ID_HEADER = "X-Request-ID"
# An incoming id is taken as it is only when it cannot break a log line or a header: letters, digits,
# dot, dash, underscore; nginx's $request_id is 32 hex digits.
SAFE_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
CONTEXT_FIELDS = ("request_id", "user_id", "method", "path")

_context = contextvars.ContextVar("kodeverk_request_log", default=None)
access_log = logging.getLogger("kodeverk.requests")


def request_id_from(incoming: str | None) -> str:
    """The id of a request: the incoming X-Request-ID if it is a safe short token, else a new uuid4 hex."""
    if incoming and SAFE_REQUEST_ID.fullmatch(incoming):
        return incoming
    return uuid.uuid4().hex


def _user_id(request):
    user = getattr(request, "user", None)  # absent when whitenoise answered before the auth middleware
    try:
        return user.pk if user is not None and user.is_authenticated else None
    except DatabaseError:
        # The session could not be read: the view answers for that; the log line must not fail too.
        return None


class RequestLogMiddleware:
    """First in MIDDLEWARE, so that its duration covers the whole stack and every response has the id."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.monotonic()
        request.id = request_id_from(request.headers.get(REQUEST_ID_HEADER))
        fields = {"request_id": request.id, "user_id": None, "method": request.method, "path": request.path}
        request.log_fields = fields  # for Django's own record of an error response, written after this returns
        token = _context.set(fields)
        try:
            response = self.get_response(request)
            response[REQUEST_ID_HEADER] = request.id
            fields["user_id"] = _user_id(request)  # after the view: a login has just set the user
            access_log.info("%s %s %s", request.method, request.path, response.status_code, extra={
                **fields, "status": response.status_code,
                "duration_ms": round((time.monotonic() - started) * 1000, 1)})
            return response
        finally:
            _context.reset(token)

    def process_view(self, request, view_func, view_args, view_kwargs):
        # The auth middleware has run: what the view logs carries the user. Every page reads the
        # user anyway, so this costs no query that the request would not make.
        fields = _context.get()
        if fields is not None:
            fields["user_id"] = _user_id(request)


class RequestContextFilter(logging.Filter):
    """Puts the current request's fields on each record (None outside a request, e.g. in db_worker)."""

    def filter(self, record):
        fields = _context.get()
        if fields is None:
            # django.request logs a 4xx/5xx response after the middleware returned; it passes the request.
            fields = getattr(getattr(record, "request", None), "log_fields", {})
        for name in CONTEXT_FIELDS:
            if not hasattr(record, name):
                setattr(record, name, fields.get(name))
        return True


def json_formatter():
    """JSON lines: timestamp, level, logger, message, the request's fields, and any `extra` of the record.

    Django's own request records carry the request object itself; its method and path are already there.
    """
    return JsonFormatter(
        ",".join(["levelname", "name", "message", *CONTEXT_FIELDS]), style=",",
        rename_fields={"levelname": "level", "name": "logger"}, timestamp=True, json_ensure_ascii=False,
        reserved_attrs=[*RESERVED_ATTRS, "request"],
    )
