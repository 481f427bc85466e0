"""``python -m bench``: run the benchmark suites."""

from .cli import main

raise SystemExit(main())
