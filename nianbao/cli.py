"""The `nianbao` console command: a thin click layer; each stage owns its commands.

`extract.commands`, `archive.commands` and `crawler.commands` each expose a list `COMMANDS` of
click commands; this module only gathers them, so a stage's CLI lives beside its Python API.
"""

from __future__ import annotations

import importlib

import click

from . import __version__

_STAGES = ("extract.commands", "archive.commands", "crawler.commands")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="nianbao")
def main() -> None:
    """nianbao: the archive of China's government information-disclosure annual reports (年报)."""


for _module in _STAGES:
    try:
        _mod = importlib.import_module(_module)
    except ModuleNotFoundError as exc:  # a stage not built yet
        if exc.name != _module:
            raise
        continue
    for _command in getattr(_mod, "COMMANDS", []):
        main.add_command(_command)
