"""`python -m generator` is the `kb` command."""

from .cli import main

main()
