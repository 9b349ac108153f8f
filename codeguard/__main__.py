"""`python -m codeguard`."""

from __future__ import annotations

from codeguard.cli import main

raise SystemExit(main())
