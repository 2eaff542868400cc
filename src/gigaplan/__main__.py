"""``python -m gigaplan`` runs the command line."""

from .cli import main

main()
