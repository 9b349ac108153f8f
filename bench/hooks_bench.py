"""Agent hook latency: one whole hook process per shell command, as an agent pays it.

Times `codeguard hook claude-code` side by side with cc-safety-net's Claude Code hook
(`node .../dist/bin/cc-safety-net.js hook --coding-cli`, the command its Claude Code plugin
registers for PreToolUse) and a bare `python -c pass`, on the 20 commands of bench/run.py's
`commands` workload (16 routine, 4 destructive). Each run is a whole process fed Claude
Code's PreToolUse JSON on stdin, timed wall clock. Every command is one group per round:
the tools run back to back in a shuffled order, groups in a shuffled order too, and
each hook is divided by the `python -c pass` run of the same group and round.

    .venv/bin/python bench/hooks_bench.py [--rounds 15] [--seed N]

cc-safety-net is installed with npm (pinned version) into ~/.cache/codeguard-bench/npm on
first use; when npm, node or the registry is unavailable, the section says so and times
codeguard and python only. A `node -e 0` row (Node's start-up, cc-safety-net's floor) is
timed alongside, for reading cc-safety-net's figures. Stdlib only; no timed assertion: it reports.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import run as bench  # bench/run.py, beside this file: commands, environment, formatting

SEED = bench.SEED
ROUNDS = 15
DESTRUCTIVE = frozenset(
    {"rm -rf /", "git push --force origin main", "sudo rm -rf ~", 'psql -c "DROP TABLE users"'}
)
COMMANDS = bench.COMMANDS

CCSN_PACKAGE = "cc-safety-net"
CCSN_VERSION = "2.4.5"
NPM_DIR = Path.home() / ".cache" / "codeguard-bench" / "npm"
NPM_TIMEOUT_S = 180.0
RUN_TIMEOUT_S = 60.0

CODEGUARD = "codeguard hook claude-code"
CCSN = "cc-safety-net hook --coding-cli"
FLOOR = bench.FLOOR
# cc-safety-net's own floor, for reading its row: what any Node CLI pays to start.
NODE_FLOOR = "node -e 0"
# Claude Code reads exit 0 (+ optional JSON on stdout) and exit 2 (block, reason on
# stderr); any other exit is a hook error, which it reports and lets the command run.
# Here such a run is a failure: not timed, reported.
HOOK_OK = frozenset({0, 2})
FLOOR_OK = frozenset({0})


@dataclass(frozen=True)
class Tool:
    label: str
    argv: tuple[str, ...]
    env: dict[str, str]
    ok_codes: frozenset[int]
    guard: bool = True  # False for the floor: no verdict to count


@dataclass
class Runs:
    times: dict[tuple[int, str], float] = field(default_factory=dict)  # (round, cmd) -> s
    verdicts: dict[str, set[str]] = field(default_factory=dict)  # cmd -> verdicts seen
    failures: list[str] = field(default_factory=list)


def payload(command: str, cwd: Path) -> bytes:
    """Claude Code's PreToolUse input for a Bash call."""
    return json.dumps(
        {
            "session_id": "s",
            "transcript_path": "/tmp/t",
            "cwd": str(cwd),
            "permission_mode": "default",
            "hook_event_name": "PreToolUse",
            "tool_name": "Bash",
            "tool_input": {"command": command},
            "tool_use_id": "t1",
        }
    ).encode()


def verdict(code: int, stdout: str) -> str:
    """What Claude Code would do with this hook answer: allow, deny or ask."""
    if code == 2:
        return "deny"
    text = stdout.strip()
    if not text:
        return "allow"
    try:
        data = json.loads(text)
    except ValueError:
        return "allow"  # plain stdout is only shown in the transcript
    if not isinstance(data, dict):
        return "allow"
    if data.get("continue") is False:
        return "deny"
    specific = data.get("hookSpecificOutput")
    decision = specific.get("permissionDecision") if isinstance(specific, dict) else None
    decision = decision or data.get("decision")
    if decision in ("deny", "block"):
        return "deny"
    if decision == "ask":
        return "ask"
    return "allow"


# --------------------------------------------------------------------------------------
# cc-safety-net
# --------------------------------------------------------------------------------------


def find_ccsn(npm_dir: Path) -> tuple[Path | None, str]:
    """The installed hook script, installing the pinned version if needed; else (None, why)."""
    script = npm_dir / "node_modules" / CCSN_PACKAGE / "dist" / "bin" / "cc-safety-net.js"
    if shutil.which("node") is None:
        return None, "`node` is not on PATH"
    if not script.is_file() or ccsn_version(npm_dir) != CCSN_VERSION:
        npm = shutil.which("npm")
        if npm is None:
            return None, "`npm` is not on PATH"
        bench.log(f"installing {CCSN_PACKAGE}@{CCSN_VERSION} into {npm_dir}")
        npm_dir.mkdir(parents=True, exist_ok=True)
        spec = f"{CCSN_PACKAGE}@{CCSN_VERSION}"
        try:
            proc = subprocess.run(
                [npm, "install", "--prefix", str(npm_dir), "--no-audit", "--no-fund", spec],
                capture_output=True,
                text=True,
                timeout=NPM_TIMEOUT_S,
                check=False,
            )
        except subprocess.TimeoutExpired:
            return None, f"`npm install` timed out after {NPM_TIMEOUT_S:.0f} s (no registry?)"
        if proc.returncode != 0 or not script.is_file():
            errors = [ln for ln in proc.stderr.splitlines() if ln.strip()] or ["no output"]
            # npm's first lines name the cause (`npm error code ECONNREFUSED`, ...).
            why = "; ".join(errors[:2])
            return None, f"`npm install {spec}` failed (exit {proc.returncode}): {why}"
    return script, ""


def ccsn_version(npm_dir: Path) -> str:
    manifest = npm_dir / "node_modules" / CCSN_PACKAGE / "package.json"
    try:
        return str(json.loads(manifest.read_text(encoding="utf-8"))["version"])
    except (OSError, ValueError, KeyError):
        return ""


def first_line(argv: Sequence[str]) -> str:
    proc = subprocess.run(argv, capture_output=True, text=True, check=False)
    return ((proc.stdout or proc.stderr).strip().splitlines() or ["?"])[0]


# --------------------------------------------------------------------------------------
# Running
# --------------------------------------------------------------------------------------


def run_once(tool: Tool, stdin: bytes, cwd: Path) -> tuple[float, str | None, str]:
    """Time one whole process fed `stdin`; returns (seconds, error or None, verdict)."""
    start = time.perf_counter()
    try:
        proc = subprocess.run(
            tool.argv,
            input=stdin,
            cwd=cwd,
            env=tool.env,
            capture_output=True,
            timeout=RUN_TIMEOUT_S,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return time.perf_counter() - start, f"timed out after {RUN_TIMEOUT_S:.0f} s", ""
    elapsed = time.perf_counter() - start
    stdout = proc.stdout.decode(errors="replace")
    if proc.returncode not in tool.ok_codes:
        stderr = proc.stderr.decode(errors="replace").strip()[-1000:]
        return elapsed, f"exit {proc.returncode}: {stderr or stdout.strip()[-1000:]}", ""
    return elapsed, None, verdict(proc.returncode, stdout)


def run_round(
    tools: Sequence[Tool],
    runs: dict[str, Runs],
    rnd: int | None,
    cwd: Path,
    rng: random.Random,
) -> None:
    """Every command through every tool; rnd None = the warm-up (verdicts kept, not timed)."""
    order = list(COMMANDS)
    rng.shuffle(order)
    for cmd in order:
        stdin = payload(cmd, cwd)
        group = list(tools)
        rng.shuffle(group)
        for tool in group:
            seconds, error, answer = run_once(tool, stdin, cwd)
            r = runs[tool.label]
            if error is not None:
                if not r.failures:
                    bench.log(f"FAILED {tool.label} on {cmd!r}\n{error}")
                r.failures.append(error)
                continue
            r.verdicts.setdefault(cmd, set()).add(answer)
            if rnd is not None:
                r.times[(rnd, cmd)] = seconds


def make_repo(root: Path) -> Path:
    repo = root / "repo"
    repo.mkdir()
    bench.git(repo, "init", "-q", "-b", "main")
    (repo / "README.md").write_text("bench\n", encoding="utf-8")
    (repo / "pyproject.toml").write_text('[project]\nname = "app"\n', encoding="utf-8")
    bench.git(repo, "add", "-A")
    bench.git(repo, "commit", "-q", "-m", "init")
    return repo


# --------------------------------------------------------------------------------------
# Report
# --------------------------------------------------------------------------------------


def paired(a: Runs, b: Runs) -> list[float]:
    return [a.times[k] / b.times[k] for k in a.times if k in b.times and b.times[k] > 0]


def summed(a: Runs, b: Runs, rounds: int) -> list[float]:
    """Per round: the 20 runs of `a` over the 20 of `b`, rounds where both ran all 20."""
    ratios = []
    for rnd in range(rounds):
        keys = [(rnd, cmd) for cmd in COMMANDS]
        if all(k in a.times and k in b.times for k in keys):
            ratios.append(sum(a.times[k] for k in keys) / sum(b.times[k] for k in keys))
    return ratios


def verdict_cell(r: Runs, cmd: str) -> str:
    seen = r.verdicts.get(cmd)
    if not seen:
        return "failed"
    text = "/".join(sorted(seen)) + (" (varies)" if len(seen) > 1 else "")
    expected = "deny" if cmd in DESTRUCTIVE else "allow"
    return text if seen == {expected} else f"**{text}**"


def correctness(r: Runs) -> tuple[str, str]:
    denied = sum(r.verdicts.get(c) == {"deny"} for c in COMMANDS if c in DESTRUCTIVE)
    allowed = sum(r.verdicts.get(c) == {"allow"} for c in COMMANDS if c not in DESTRUCTIVE)
    n_bad = len(DESTRUCTIVE)
    return f"{denied}/{n_bad}", f"{allowed}/{len(COMMANDS) - n_bad}"


def code(text: str) -> str:
    return "`" + text.replace("|", "\\|") + "`"


def report(
    tools: Sequence[Tool], runs: dict[str, Runs], rounds: int, missing: str, head: list[str]
) -> list[str]:
    floor = runs[FLOOR]
    other = CCSN if CCSN in runs else None
    lines = [
        f"### agent hooks: one PreToolUse hook process per shell command "
        f"({len(COMMANDS)} commands, {len(DESTRUCTIVE)} destructive)",
        "",
        *head,
    ]
    if missing:
        lines += [f"cc-safety-net not timed: {missing}.", ""]
    cols = ["x python -c pass (paired)"] + (["x cc-safety-net (paired)"] if other else [])
    lines += [
        "| tool | runs | median ms | min ms | max ms | "
        + " | ".join(cols)
        + " | destructive denied | routine allowed |",
        "|---|---:|---:|---:|---:|" + "---:|" * len(cols) + "---:|---:|",
    ]
    for tool in tools:
        r = runs[tool.label]
        values = list(r.times.values())
        if not values:
            lines.append(
                f"| {code(tool.label)} | 0 | - | - | - |"
                + " - |" * len(cols)
                + f" all {len(r.failures)} runs failed | |"
            )
            continue
        ratios = ["-" if tool.label == FLOOR else bench.ratio_cell(paired(r, floor))]
        if other:
            skip = not tool.guard or tool.label == other
            ratios.append("-" if skip else bench.ratio_cell(paired(r, runs[other])))
        denied, allowed = correctness(r) if tool.guard else ("-", "-")
        fails = f" ({len(r.failures)} failed)" if r.failures else ""
        lines.append(
            f"| {code(tool.label)} | {len(values)}{fails} | "
            f"{bench.ms(statistics.median(values))} | {bench.ms(min(values))} | "
            f"{bench.ms(max(values))} | {' | '.join(ratios)} | {denied} | {allowed} |"
        )
    lines.append("")
    sums = []
    for tool in tools:
        if not tool.guard or not runs[tool.label].times:
            continue
        cell = bench.ratio_cell(summed(runs[tool.label], floor, rounds))
        sums.append(f"{tool.label} {cell} x python -c pass")
    if sums:
        lines += [f"All {len(COMMANDS)} commands summed per round: " + "; ".join(sums) + ".", ""]

    guards = [t for t in tools if t.guard]
    lines += [
        "Per command (median ms; x = median of the paired ratios to `python -c pass`; "
        "verdicts over every run, unexpected ones in bold):",
        "",
        "| command | kind | "
        + " | ".join(f"{t.label.split()[0]} ms | x | verdict" for t in guards)
        + " | python ms |",
        "|---|---|" + "---:|---:|---|" * len(guards) + "---:|",
    ]
    for cmd in COMMANDS:
        cells = []
        for t in guards:
            r = runs[t.label]
            mine = {k: v for k, v in r.times.items() if k[1] == cmd}
            sub = Runs(times=mine)
            med = bench.ms(statistics.median(mine.values())) if mine else "-"
            ratios = paired(sub, floor)
            x = f"{statistics.median(ratios):.2f}" if ratios else "-"
            cells += [med, x, verdict_cell(r, cmd)]
        base = [v for k, v in floor.times.items() if k[1] == cmd]
        kind = "destructive" if cmd in DESTRUCTIVE else "routine"
        lines.append(
            f"| {code(cmd)} | {kind} | {' | '.join(cells)} | "
            f"{bench.ms(statistics.median(base)) if base else '-'} |"
        )
    lines.append("")
    failed = [f"{t.label} ({len(runs[t.label].failures)})" for t in tools if runs[t.label].failures]
    if failed:
        lines += [
            "**Failed runs** (not timed; first error printed on stderr): " + "; ".join(failed),
            "",
        ]
    return lines


# --------------------------------------------------------------------------------------
# Entry points
# --------------------------------------------------------------------------------------


def measure(
    rounds: int = ROUNDS, seed: int = SEED, npm_dir: Path = NPM_DIR
) -> tuple[list[str], bool]:
    """(Markdown lines, whether any run failed)."""
    python = sys.executable
    codeguard = Path(python).parent / "codeguard"
    load_start = bench.load_average()
    root = Path(tempfile.mkdtemp(prefix="codeguard-hooks-bench-"))
    try:
        repo = make_repo(root)
        # CODEGUARD_CACHE_DIR and PYTHONPYCACHEPREFIX in `root`, kept across rounds: the
        # warm-up fills the hook's cache and the bytecode, as an agent's first call would.
        env = bench.bench_env(root)
        tools = [
            Tool(CODEGUARD, (str(codeguard), "hook", "claude-code"), env, HOOK_OK),
            Tool(FLOOR, (python, "-c", "pass"), env, FLOOR_OK, guard=False),
        ]
        script, missing = find_ccsn(npm_dir)
        node = shutil.which("node") or "node"
        if script is not None:
            # cc-safety-net appends every decision to ~/.cc-safety-net/logs: give it a home
            # of its own so the benchmark leaves the user's audit trail alone.
            home = root / "ccsn-home"
            home.mkdir()
            ccsn_env = {**env, "HOME": str(home), "CC_SAFETY_NET_HOME": str(home / ".ccsn")}
            argv = (node, str(script), "hook", "--coding-cli")
            tools.insert(1, Tool(CCSN, argv, ccsn_env, HOOK_OK))
            tools.append(Tool(NODE_FLOOR, (node, "-e", "0"), env, FLOOR_OK, guard=False))
        versions = [
            f"codeguard: {first_line([str(codeguard), '--version'])}, {bench.codeguard_source()}",
        ]
        if script is not None:
            versions.append(
                f"cc-safety-net: {ccsn_version(npm_dir)} (npm), run as "
                f"`node .../{CCSN_PACKAGE}/dist/bin/cc-safety-net.js hook --coding-cli` "
                f"(its Claude Code plugin's hook command), node {first_line([node, '--version'])}"
            )
        versions.append(f"python: {platform.python_version()} ({python})")

        runs = {t.label: Runs() for t in tools}
        rng = random.Random(seed + 2)
        bench.log(f"hooks: warm-up, then {rounds} rounds of {len(COMMANDS)} x {len(tools)} runs")
        started = time.perf_counter()
        run_round(tools, runs, None, repo, rng)
        for rnd in range(rounds):
            run_round(tools, runs, rnd, repo, rng)
        seconds = time.perf_counter() - started
    finally:
        shutil.rmtree(root, ignore_errors=True)
    head = [
        f"{rounds} timed round(s) after 1 warm-up ({seconds:.0f} s); each round runs every "
        f"command once through each tool, commands and tools in a shuffled order (seed {seed}). "
        "Whole processes fed the PreToolUse JSON on stdin, wall clock; cwd a temporary git "
        "repo; no shell in between (Claude Code adds one `sh -c` for every hook alike). "
        "Ratios: medians of per-run ratios to the `python -c pass` run of the same command "
        "and round (min-max in brackets); only ratios compare across runs and machines.",
        "",
        *(f"- {v}" for v in versions),
        f"- nproc {os.cpu_count()}, load average (1/5/15 min) at start {load_start}, "
        f"at end {bench.load_average()}",
        "",
    ]
    lines = report(tools, runs, rounds, missing, head)
    return lines, any(r.failures for r in runs.values())


def section(rounds: int = ROUNDS) -> list[str]:
    """The Markdown section for bench/run.py's report."""
    return measure(rounds)[0]


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        description="Time agent hook processes (codeguard, cc-safety-net) against python -c pass."
    )
    p.add_argument("--rounds", type=int, default=ROUNDS, help=f"timed rounds (default {ROUNDS})")
    p.add_argument("--seed", type=int, default=SEED, help="seed for the run order")
    p.add_argument(
        "--npm-dir", type=Path, default=NPM_DIR, help="where cc-safety-net is (or gets) installed"
    )
    args = p.parse_args(argv)
    if args.rounds < 1:
        p.error("--rounds must be at least 1")
    lines, failed = measure(args.rounds, args.seed, args.npm_dir)
    sys.stdout.write("\n".join(lines) + "\n")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
