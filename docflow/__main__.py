"""``python -m docflow`` is the ``docflow`` command."""

from docflow.cli.main import main

# Guarded: worker processes (forkserver) import the main module again.
if __name__ == "__main__":
    main(prog_name="docflow")
