"""The one exception the extractor raises: the file cannot be read at all (a one-line reason)."""

import re


class ExtractError(Exception):
    """Raised for input that yields no document: empty, truncated beyond repair, an unknown format.

    The message is always one line, whatever the underlying library put in it, because operators
    read it in logs and `nianbao parse` prints it as its single line on standard error.
    """

    def __init__(self, message: str) -> None:
        super().__init__(re.sub(r"\s+", " ", str(message)).strip()[:500])
