"""`python -m site_builder` is the `site-builder` command."""

from site_builder.cli import main

raise SystemExit(main())
