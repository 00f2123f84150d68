"""`python -m service.cli`: the `writethru` command without the console script."""

from .commands import main

main()
