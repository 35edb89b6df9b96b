"""Responses the web pages and the API share."""

from __future__ import annotations

from collections.abc import Iterator

from flask import Response, stream_with_context


def attachment(body: str | Iterator[str], filename: str, mimetype: str = "text/csv") -> Response:
    """A file to download: ``body`` as text, or streamed from an iterator of text pieces
    (read inside the request's context, in constant memory)."""
    if not isinstance(body, str):
        body = stream_with_context(body)
    return Response(
        body,
        mimetype=mimetype,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
