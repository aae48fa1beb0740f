"""Extract: read one annual report, from any format portals publish, into the rows of its three tables.

    from extract import parse_file
    report = parse_file("report.pdf")      # a Report; report.to_dict() is the `nianbao parse --json` object

The pipeline is a chain of small stages: sniff the format → read it into the intermediate form
(`model.Document`) → locate and align the tables (`tables`) → metadata (`metadata`) → checks
(`checks`).  Nothing in it alters a printed value.
"""

from .errors import ExtractError
from .model import Report
from .parse import parse_bytes, parse_file

__all__ = ["ExtractError", "Report", "parse_bytes", "parse_file"]
