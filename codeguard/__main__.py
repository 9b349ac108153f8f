"""`python -m codeguard`."""

from __future__ import annotations

from codeguard.entry import main

raise SystemExit(main())
