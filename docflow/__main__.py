"""``python -m docflow`` is the ``docflow`` command."""

from docflow.cli import main

main(prog_name="docflow")
