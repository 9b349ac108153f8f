"""Built-in stages, in the order they run: cheapest and most certain first."""

from __future__ import annotations

from codeguard.stage import Stage
from codeguard.stages import destructive
from codeguard.stages import llm
from codeguard.stages import parse
from codeguard.stages import secrets
from codeguard.stages import security

STAGES: dict[str, Stage] = {
    "parse": parse,
    "destructive": destructive,
    "secrets": secrets,
    "security": security,
    "llm": llm,
}
