"""The `nianbao` console command: a thin click layer; each stage owns its commands.

`extract.commands`, `archive.commands`, `crawler.commands` and `nianbao.demo.commands` each expose
a list `COMMANDS` of click commands; this module only gathers them, so a stage's CLI lives beside
its Python API (the demo's above the stages it composes).
Imported explicitly: a stage that fails to import is an error to see, never a command that
silently goes missing.
"""

from __future__ import annotations

import click

from archive.commands import COMMANDS as ARCHIVE_COMMANDS
from crawler.commands import COMMANDS as CRAWLER_COMMANDS
from extract.commands import COMMANDS as EXTRACT_COMMANDS

from . import __version__
from .demo.commands import COMMANDS as DEMO_COMMANDS


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="nianbao")
def main() -> None:
    """nianbao: the archive of China's government information-disclosure annual reports (年报)."""


for _command in (*EXTRACT_COMMANDS, *ARCHIVE_COMMANDS, *CRAWLER_COMMANDS, *DEMO_COMMANDS):
    main.add_command(_command)
