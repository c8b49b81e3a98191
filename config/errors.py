"""Errors that services raise and the API answers with a 409 (see config.api)."""


class Conflict(Exception):
    """The request is valid but the state of the data forbids it right now."""

    code = "conflict"
    message = "The request conflicts with the current state."

    def __str__(self) -> str:
        return self.message
