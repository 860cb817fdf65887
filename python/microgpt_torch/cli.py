"""What the command-line entry points share: a user mistake is one ``error:`` line (and a ``hint:`` line) on
stderr and exit status 1, never a traceback; argparse's usage errors exit 2."""
from __future__ import annotations

import sys
from typing import Callable

from .errors import MicrogptTorchError


def run_main(main: Callable[[list[str] | None], None], argv: list[str] | None = None) -> None:
    """Runs ``main(argv)``, turning a MicrogptTorchError into ``error: …`` / ``hint: …`` and exit 1, and
    Ctrl-C into exit 130."""
    try:
        main(argv)
    except MicrogptTorchError as error:
        print(f"error: {error}", file=sys.stderr)
        if error.hint:
            print(f"hint: {error.hint}", file=sys.stderr)
        sys.exit(1)
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        sys.exit(130)


def parse_ids(text: str, flag: str) -> list[int]:
    """Token ids from ``1,2,3`` (spaces allowed). Raises MicrogptTorchError naming the flag otherwise."""
    try:
        ids = [int(part) for part in text.replace(" ", "").split(",") if part != ""]
    except ValueError:
        raise MicrogptTorchError(f"{flag}: expected comma-separated token ids, found {text!r}") from None
    if not ids:
        raise MicrogptTorchError(f"{flag}: expected at least one token id")
    return ids
