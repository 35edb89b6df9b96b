"""What routes and commands ask for. Each service owns its transaction: it commits what
it did, or raises before anything is written."""


def as_sentence(message: str) -> str:
    """A service's message as a sentence for a page: capital first letter, final period."""
    message = message.strip()
    if not message:
        return message
    message = message[0].upper() + message[1:]
    return message if message.endswith((".", "!", "?")) else message + "."
