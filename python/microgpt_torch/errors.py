"""The package's error type: every failure a user can cause (a bad file, flag or folder) raises it, with a
message that starts with the file or operation and says what was expected and what was found."""


class MicrogptTorchError(ValueError):
    """A user-facing problem: the command-line tools print it as one ``error:`` line, without a traceback."""

    def __init__(self, message: str, hint: str | None = None):
        super().__init__(message)
        self.hint = hint


def describe(value: object, limit: int = 60) -> str:
    """A short printable form of a value read from a file, for error messages."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"
