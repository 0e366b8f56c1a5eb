"""Run the command line with `python -m runart_lint`."""

from runart_lint.cli import main

raise SystemExit(main())
