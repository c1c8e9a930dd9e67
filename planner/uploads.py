"""Upload handlers that count each file's bytes as they stream in: a file past UPLOAD_MAX_MB is dropped at
that point, never kept whole in memory or on disk, and the views say which file it was (`refused_uploads`)."""

from django.conf import settings
from django.core.files.uploadhandler import MemoryFileUploadHandler, SkipFile
from django.urls import Resolver404, resolve
from django.utils.translation import gettext as _

from planner.textfiles import MEGABYTE

# Views that take larger files than UPLOAD_MAX_MB, by URL name, with the setting of their limit.
LARGER_LIMITS = {"interviews:recording_upload": "KODEVERK_RECORDING_MAX_MB"}


def limit_mb(request):
    """The upload limit of the request's view, in MB (the request body is parsed before the view runs)."""
    try:
        name = resolve(request.path_info).view_name
    except Resolver404:
        name = ""
    return getattr(settings, LARGER_LIMITS[name]) if name in LARGER_LIMITS else settings.UPLOAD_MAX_MB


class LimitedMemoryUploadHandler(MemoryFileUploadHandler):
    """First in FILE_UPLOAD_HANDLERS, so it sees every chunk, also those Django's TemporaryFileUploadHandler
    after it keeps (files over FILE_UPLOAD_MAX_MEMORY_SIZE)."""

    def new_file(self, field_name, file_name, *args, **kwargs):
        self.counted_name = file_name
        self.limit = limit_mb(self.request) * MEGABYTE
        return super().new_file(field_name, file_name, *args, **kwargs)

    def receive_data_chunk(self, raw_data, start):
        if start + len(raw_data) > self.limit:
            refused = getattr(self.request, "refused_uploads", [])
            self.request.refused_uploads = [*refused, self.counted_name]
            raise SkipFile  # the parser discards the rest of this file and the part kept so far
        return super().receive_data_chunk(raw_data, start)


def refused_uploads(request):
    """A message for each file of the request dropped for its size while it streamed in."""
    return [_("%(name)s is too large; the limit is %(limit)s MB. It was not read.")
            % {"name": name, "limit": limit_mb(request)} for name in getattr(request, "refused_uploads", [])]
