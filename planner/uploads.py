"""Upload handlers that count each file's bytes as they stream in: a file past UPLOAD_MAX_MB is dropped at
that point, never kept whole in memory or on disk, and the views say which file it was (`refused_uploads`)."""

from django.conf import settings
from django.core.files.uploadhandler import MemoryFileUploadHandler, SkipFile
from django.utils.translation import gettext as _

from planner.textfiles import MEGABYTE


class LimitedMemoryUploadHandler(MemoryFileUploadHandler):
    """First in FILE_UPLOAD_HANDLERS, so it sees every chunk, also those Django's TemporaryFileUploadHandler
    after it keeps (files over FILE_UPLOAD_MAX_MEMORY_SIZE)."""

    def new_file(self, field_name, file_name, *args, **kwargs):
        self.counted_name = file_name
        return super().new_file(field_name, file_name, *args, **kwargs)

    def receive_data_chunk(self, raw_data, start):
        if start + len(raw_data) > settings.UPLOAD_MAX_MB * MEGABYTE:
            refused = getattr(self.request, "refused_uploads", [])
            self.request.refused_uploads = [*refused, self.counted_name]
            raise SkipFile  # the parser discards the rest of this file and the part kept so far
        return super().receive_data_chunk(raw_data, start)


def refused_uploads(request):
    """A message for each file of the request dropped for its size while it streamed in."""
    return [_("%(name)s is too large; the limit is %(limit)s MB. It was not read.")
            % {"name": name, "limit": settings.UPLOAD_MAX_MB} for name in getattr(request, "refused_uploads", [])]
