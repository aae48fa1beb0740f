"""The one exception the extractor raises: the file cannot be read at all (a one-line reason)."""


class ExtractError(Exception):
    """Raised for input that yields no document: empty, truncated beyond repair, an unknown format."""
