"""`codeguard hook <agent>`: answer an AI agent's pre-tool-use hook in its own protocol.

`payload` turns each agent's JSON into one `ToolCall` (a shell command, a file write, an
edit, a patch, or something codeguard does not judge), `decision` renders a verdict in the
agent's protocol, `run` ties them to the pipeline under a time budget. Nothing heavy is
imported before a command is known not to be clean (the fast path answers clean ones).
"""
