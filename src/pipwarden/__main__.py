"""`python -m pipwarden`."""

from pipwarden.cli import run

run()
