"""codeguard: a guardrail between AI-written code and production."""

from __future__ import annotations

# A literal, not importlib.metadata: the agent hook path pays for every import.
__version__ = "0.1.0"
