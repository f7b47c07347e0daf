"""`python -m airouter` is the `airouter` command."""

from airouter.cli import main

main()
