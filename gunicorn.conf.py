"""gunicorn's settings for the grader, read automatically when gunicorn starts in the
repository's root (``gunicorn -w 4 -b 0.0.0.0:8000 'grader:create_app()'``); options on the
command line still win.

gunicorn names itself in a ``Server`` header on every response and has no setting to change
it; the name only helps someone choose an exploit, so every response says ``Server:
SERVER_HEADER`` instead. The workers are forked from the process that read this file, so
they inherit the change."""

from gunicorn.http import wsgi

SERVER_HEADER = "nn-grader"

_response_init = wsgi.Response.__init__


def _neutral_server_header(self, *args, **kwargs):
    _response_init(self, *args, **kwargs)
    self.version = SERVER_HEADER  # what default_headers() writes after "Server: "


if wsgi.Response.__init__ is not _neutral_server_header:
    wsgi.Response.__init__ = _neutral_server_header
