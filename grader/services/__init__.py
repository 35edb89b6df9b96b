"""What routes and commands ask for. Each service owns its transaction: it commits what
it did, or raises before anything is written."""


def as_sentence(message: str) -> str:
    """A service's message as a sentence for a page: capital first letter, final period."""
    message = message.strip()
    if not message:
        return message
    message = message[0].upper() + message[1:]
    return message if message.endswith((".", "!", "?")) else message + "."


def commit_keeping_state() -> None:
    """Commit without expiring the session's objects, so that the answer to the client can
    be built from memory: if the connection drops just after the commit, the client still
    hears that its write was saved instead of an error that suggests it was not."""
    from ..extensions import db

    session = db.session()
    session.expire_on_commit = False
    try:
        session.commit()
    finally:
        session.expire_on_commit = True
