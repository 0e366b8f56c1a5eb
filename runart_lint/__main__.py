"""Run the command line with `python -m runart_lint`."""

from runart_lint.entry import main

raise SystemExit(main())
