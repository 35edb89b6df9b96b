"""Domain errors: what a service refuses, in words, with the HTTP status it maps to.

Services raise these instead of aborting the request, so that they stay usable from the CLI
and from tests without a request; the web pages map them to an error page in one place
(``grader.register_errorhandlers``) and the JSON API to ``{"error", "message"}`` in one
place (``grader.api.routes``)."""

from __future__ import annotations


class DomainError(Exception):
    """A refusal: ``status`` is the HTTP status, ``error`` the API's short code, ``message``
    the sentence shown (None: the status's default message)."""

    status = 400
    error = "bad_request"
    default_message = "The request could not be understood."

    def __init__(self, message: str | None = None, *, error: str | None = None):
        super().__init__(message or self.error)
        self.message = message
        if error is not None:
            self.error = error

    @property
    def text(self) -> str:
        """The sentence to show: the message given, else the status's usual one."""
        return self.message or self.default_message


class NotFound(DomainError):
    """No such object, or not one the user may know exists."""

    status = 404
    error = "not_found"
    default_message = "There is no such page."


class Forbidden(DomainError):
    """The object exists but this user may not do this to it."""

    status = 403
    error = "forbidden"
    default_message = "You do not have access to this page."


class Conflict(DomainError):
    """The request is well formed but the object's state forbids it now."""

    status = 409
    error = "conflict"
    default_message = "That cannot be done in the object's present state."
