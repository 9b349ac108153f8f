"""A verdict in each agent's protocol: (stdout, stderr, exit code).

Allow is silence: exit 0 and nothing on stdout, so the agent's own permission prompt
still runs (an explicit "allow" would skip it). Deny and ask are the documented JSON on
stdout with exit 0; Codex gets only the three fields its strict parser accepts.
"""

from __future__ import annotations

import json

DENY = "deny"
ASK = "ask"
ALLOW = "allow"
MAX_REASON = 4000  # characters: enough for a few findings, small enough for any agent UI


def render(agent: str, decision: str, reason: str, event: str = "") -> tuple[str, str, int]:
    if decision == ALLOW:
        return "", "", 0
    reason = reason if len(reason) <= MAX_REASON else reason[: MAX_REASON - 1] + "…"
    if agent in ("claude-code", "codex"):
        doc: dict[str, object] = {
            "hookSpecificOutput": {
                "hookEventName": "PreToolUse",
                "permissionDecision": decision,
                "permissionDecisionReason": reason,
            }
        }
    elif agent == "gemini":
        if decision == ASK:
            return "", "", 0  # BeforeTool has no "ask"; the agent's own prompt decides
        doc = {"decision": "deny", "reason": reason}
    elif agent == "cursor":
        doc = {"permission": decision, "user_message": reason, "agent_message": reason}
    elif agent == "copilot":
        doc = {"permissionDecision": decision, "permissionDecisionReason": reason}
    else:  # pragma: no cover - the CLI only accepts the agents above
        raise ValueError(agent)
    return json.dumps(doc, ensure_ascii=False) + "\n", "", 0
