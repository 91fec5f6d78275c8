"""``python -m tutor.cli``: the same as the ``tutor`` command."""

from tutor.cli import main

main()
