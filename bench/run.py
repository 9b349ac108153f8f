"""Side-by-side benchmark: codeguard against bandit, ruff's S rules and a bare interpreter.

Run from the repository root with the project's venv:

    .venv/bin/python bench/run.py [--reps N] [--quick] [--output bench/results/latest.md]

Every input is generated here, from a fixed seed, in a temporary directory: a "typical
commit" (5 files, ~300 added lines), a "large diff" (40 files, ~4000 added lines) and ~20
shell commands. Whole processes are timed, interleaved round by round in a shuffled order,
because on a shared machine only ratios of runs made side by side mean anything.

Stdlib only: the tools under test run as subprocesses from this interpreter's bin dir.
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import platform
import random
import shlex
import shutil
import statistics
import string
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from datetime import datetime
from datetime import timezone
from pathlib import Path

SEED = 20240601
# Without --reps, each workload gets as many timed rounds as its share of the budget
# allows (estimated from its warm-up round), within [min, max]: the full run stays under
# ~5 minutes on a 2-core shared machine however fast or slow the tools are today.
FULL_BUDGET_S = 170.0
FULL_REPS = (3, 15)
QUICK_BUDGET_S = 30.0
QUICK_REPS = (1, 3)
# One warm-up fills the OS page cache and codeguard's rule cache; a second absorbs what
# the first runs of a fresh interpreter still pay (bytecode, lazy imports). When a round
# takes longer than this, start-up effects are noise and the time is better spent timing.
SECOND_WARMUP_BELOW_S = 5.0
# A scan that hangs must not hang the benchmark; five minutes is far past any real run.
RUN_TIMEOUT_S = 300.0

FLOOR = "python -c pass"
BANDIT = "bandit"
RUFF = "ruff S"
# Exit 1 means "blocked" for codeguard and "issues found" for bandit and ruff: both are
# normal outcomes here. Anything else is a tool failure and is reported, not timed.
TOOL_OK = frozenset({0, 1})
FLOOR_OK = frozenset({0})


# --------------------------------------------------------------------------------------
# Synthetic Python code
# --------------------------------------------------------------------------------------

NOUNS = (
    "user",
    "order",
    "invoice",
    "artifact",
    "report",
    "session",
    "build",
    "release",
    "job",
    "metric",
    "record",
    "asset",
    "payload",
    "snapshot",
    "tenant",
    "webhook",
)
VERBS = ("load", "fetch", "sync", "render", "collect", "prune", "export", "refresh", "resolve")
TOOLS = (("git", "log"), ("docker", "images"), ("kubectl", "get"), ("terraform", "plan"))
FIELDS = ("region", "status", "owner", "currency", "kind")

HEADER = """\
\"\"\"$title helpers for the $project service.\"\"\"

from __future__ import annotations

import json
import logging
import os
import shutil
import subprocess
import time
from dataclasses import dataclass
from dataclasses import field

import requests

logger = logging.getLogger(__name__)

$const = $value
"""

# Mostly benign blocks: the shapes an agent writes every day (I/O, subprocess with a list
# argv, shutil on variables, HTTP with timeouts, dataclasses, small managers).
BENIGN_BLOCKS = (
    '''\
def ${verb}_${noun}_config$k(path: str, defaults: dict | None = None) -> dict:
    """Read the ${noun} configuration from ``path``, falling back to defaults."""
    result = dict(defaults or {})
    if not os.path.exists(path):
        logger.debug("no %s config at %s", "${noun}", path)
        return result
    with open(path, encoding="utf-8") as fh:
        try:
            data = json.load(fh)
        except json.JSONDecodeError as exc:
            logger.warning("bad %s config %s: %s", "${noun}", path, exc)
            return result
    for key, value in data.items():
        if key.startswith("_"):
            continue
        result[key.lower()] = value
    return result
''',
    '''\
def run_${tool}_${noun}$k(args: list[str], cwd: str | None = None, timeout: int = $num) -> str:
    """Run ``${tool} ${sub}`` for the ${noun} pipeline and return its output."""
    cmd = ["${tool}", "${sub}", *args]
    logger.info("running %s", " ".join(cmd))
    proc = subprocess.run(
        cmd,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"${tool} failed ({proc.returncode}): {proc.stderr.strip()}")
    return proc.stdout
''',
    '''\
def prune_${noun}_dirs$k(base: str, keep: int = $small) -> int:
    """Remove old ${noun} directories under ``base``, keeping the newest ``keep``."""
    entries = sorted(
        (os.path.join(base, name) for name in os.listdir(base)),
        key=os.path.getmtime,
        reverse=True,
    )
    removed = 0
    for path in entries[keep:]:
        if os.path.isdir(path):
            shutil.rmtree(path, ignore_errors=True)
            removed += 1
    logger.info("pruned %d ${noun} dirs under %s", removed, base)
    return removed
''',
    '''\
def ${verb}_${noun}_pages$k(session: requests.Session, base_url: str, limit: int = $num) -> list:
    """Fetch every ${noun} from the API, following pagination."""
    items: list[dict] = []
    url = f"{base_url}/api/v$small/${noun}s?limit={limit}"
    while url:
        response = session.get(url, timeout=$small)
        response.raise_for_status()
        payload = response.json()
        items.extend(payload.get("items", []))
        url = payload.get("next")
    logger.info("fetched %d ${noun}s", len(items))
    return items
''',
    '''\
@dataclass
class ${Noun}Record$k:
    """A ${noun} as stored by the service."""

    id: int
    name: str
    created_at: float = field(default_factory=time.time)
    tags: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {
            "id": self.id,
            "name": self.name,
            "created_at": self.created_at,
            "tags": list(self.tags),
        }

    @classmethod
    def from_dict(cls, data: dict) -> ${Noun}Record$k:
        return cls(
            id=int(data["id"]),
            name=str(data.get("name", "")),
            created_at=float(data.get("created_at", time.time())),
            tags=list(data.get("tags", [])),
        )
''',
    '''\
class ${Noun}Index$k:
    """Keeps an in-memory index of ${noun}s and persists it as JSON."""

    def __init__(self, root: str) -> None:
        self.root = root
        self._index: dict[str, dict] = {}
        self._dirty = False

    def add(self, key: str, value: dict) -> None:
        if key in self._index:
            logger.debug("replacing %s", key)
        self._index[key] = value
        self._dirty = True

    def get(self, key: str, default: dict | None = None) -> dict | None:
        return self._index.get(key, default)

    def remove(self, key: str) -> bool:
        existed = self._index.pop(key, None) is not None
        self._dirty = self._dirty or existed
        return existed

    def save(self) -> str:
        path = os.path.join(self.root, "${noun}-index.json")
        if not self._dirty:
            return path
        tmp = path + ".tmp"
        with open(tmp, "w", encoding="utf-8") as fh:
            json.dump(self._index, fh, indent=2, sort_keys=True)
        os.replace(tmp, path)
        self._dirty = False
        return path
''',
    '''\
def summarise_${noun}s$k(records: list[dict], key_field: str = "${field}") -> dict[str, float]:
    """Average ${noun} amounts grouped by ``key_field``."""
    totals: dict[str, float] = {}
    counts: dict[str, int] = {}
    for record in records:
        key = str(record.get(key_field, "unknown"))
        amount = float(record.get("amount", 0) or 0)
        totals[key] = totals.get(key, 0.0) + amount
        counts[key] = counts.get(key, 0) + 1
    return {key: totals[key] / counts[key] for key in totals if counts[key]}
''',
    '''\
def retry_${verb}$k(func, attempts: int = $small, delay: float = 0.5):
    """Call ``func`` until it succeeds or ``attempts`` run out."""
    assert attempts > 0, "attempts must be positive"
    last_error: Exception | None = None
    for attempt in range(1, attempts + 1):
        try:
            return func()
        except (OSError, TimeoutError) as exc:
            last_error = exc
            logger.warning("attempt %d/%d failed: %s", attempt, attempts, exc)
            time.sleep(delay * attempt)
    raise RuntimeError("gave up") from last_error
''',
    '''\
def find_${noun}_files$k(root: str, suffix: str = ".json") -> list[str]:
    """Every file under ``root`` ending in ``suffix``, sorted."""
    found = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if not d.startswith(".")]
        for name in filenames:
            if name.endswith(suffix):
                found.append(os.path.join(dirpath, name))
    return sorted(found)
''',
    '''\
def archive_${noun}$k(src: str, dest_dir: str) -> str:
    """Copy ``src`` into ``dest_dir`` under a timestamped name."""
    os.makedirs(dest_dir, exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    base = os.path.basename(src.rstrip(os.sep))
    target = os.path.join(dest_dir, f"{base}-{stamp}")
    if os.path.isdir(src):
        shutil.copytree(src, target)
    else:
        shutil.copy2(src, target)
    return target
''',
)

# Risky blocks, a few per workload: some only bandit/ruff flag (shell=True), some only
# codeguard's destructive rules flag (protected rmtree, force-push, DROP TABLE).
RISKY_BLOCKS = (
    '''\
def compress_${noun}$k(path: str, archive: str) -> None:
    """Pack ``path`` into ``archive``."""
    subprocess.run(f"tar czf {archive} {path}", shell=True, check=True)
''',
    '''\
def reset_${noun}_storage$k() -> None:
    """Start the ${noun} store from scratch."""
    logger.warning("wiping ${noun} storage")
    shutil.rmtree("/var/lib/${noun}")
''',
    '''\
def publish_${noun}_branch$k() -> int:
    """Push the regenerated ${noun} docs."""
    return os.system("git push --force origin main")
''',
    '''\
def drop_${noun}_table$k(cursor) -> None:
    """Remove the legacy ${noun} table."""
    cursor.execute("DROP TABLE IF EXISTS legacy_${noun}s")
''',
)


@dataclass
class PyFile:
    """A generated module as a header plus top-level blocks, so edits stay valid Python."""

    path: str
    header: str
    blocks: list[str]

    def text(self) -> str:
        return self.header + "\n\n" + "\n\n".join(self.blocks)


class CodeGen:
    """Seeded source of fresh, uniquely named blocks."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.serial = 0

    def _fill(self, template: str) -> str:
        self.serial += 1
        noun = self.rng.choice(NOUNS)
        tool, sub = self.rng.choice(TOOLS)
        values = {
            "noun": noun,
            "Noun": noun.capitalize(),
            "verb": self.rng.choice(VERBS),
            "tool": tool,
            "sub": sub,
            "field": self.rng.choice(FIELDS),
            "num": str(self.rng.randint(10, 500)),
            "small": str(self.rng.randint(2, 9)),
            # Unique suffix: names never collide however many blocks a file gets.
            "k": str(self.serial),
        }
        return string.Template(template).substitute(values)

    def benign(self) -> str:
        return self._fill(self.rng.choice(BENIGN_BLOCKS))

    def risky(self, index: int) -> str:
        return self._fill(RISKY_BLOCKS[index % len(RISKY_BLOCKS)])

    def header(self, title: str) -> str:
        values = {
            "title": title.replace("_", " ").capitalize(),
            "project": self.rng.choice(("billing", "deploy", "inventory", "analytics")),
            "const": f"DEFAULT_{self.rng.choice(NOUNS).upper()}_TIMEOUT",
            "value": str(self.rng.randint(5, 120)),
        }
        return string.Template(HEADER).substitute(values)

    def module(self, path: str, target_lines: int) -> PyFile:
        f = PyFile(path, self.header(Path(path).stem), [])
        while count_lines(f.text()) < target_lines:
            f.blocks.append(self.benign())
        return f

    def add_lines(self, f: PyFile, target_added: int) -> None:
        """Insert new blocks between existing ones until ~target_added lines are new."""
        added = 0
        while added < target_added:
            block = self.benign()
            f.blocks.insert(self.rng.randint(0, len(f.blocks)), block)
            added += count_lines(block) + 2

    def bump_constant(self, f: PyFile) -> None:
        """Change the module constant: a realistic one-line modification (- and +)."""
        head, sep, value = f.header.rstrip("\n").rpartition(" = ")
        f.header = f"{head}{sep}{int(value) + self.rng.randint(1, 30)}\n"


def count_lines(text: str) -> int:
    return text.count("\n") + 1


# --------------------------------------------------------------------------------------
# Git repositories and inputs
# --------------------------------------------------------------------------------------


def git_env() -> dict[str, str]:
    """Pinned identity, dates and no user/system config: the same commits on every machine."""
    env = dict(os.environ)
    env.update(
        {
            "GIT_AUTHOR_NAME": "codeguard bench",
            "GIT_AUTHOR_EMAIL": "bench@codeguard.invalid",
            "GIT_COMMITTER_NAME": "codeguard bench",
            "GIT_COMMITTER_EMAIL": "bench@codeguard.invalid",
            "GIT_AUTHOR_DATE": "2024-06-01T12:00:00+00:00",
            "GIT_COMMITTER_DATE": "2024-06-01T12:00:00+00:00",
            "GIT_CONFIG_GLOBAL": os.devnull,
            "GIT_CONFIG_NOSYSTEM": "1",
            "GIT_TERMINAL_PROMPT": "0",
        }
    )
    return env


def git(repo: Path, *args: str) -> str:
    proc = subprocess.run(
        ["git", *args], cwd=repo, env=git_env(), capture_output=True, text=True, check=False
    )
    if proc.returncode != 0:
        raise SystemExit(f"bench: git {' '.join(args)} failed in {repo}:\n{proc.stderr}")
    return proc.stdout


def write_files(repo: Path, files: Sequence[PyFile]) -> None:
    for f in files:
        target = repo / f.path
        target.parent.mkdir(parents=True, exist_ok=True)
        text = f.text()
        # A generator bug would make every tool time a syntax-error path instead.
        ast.parse(text, filename=f.path)
        target.write_text(text, encoding="utf-8")


@dataclass(frozen=True)
class DiffInput:
    """A repo with a staged change, the same change as a patch file, and its stats."""

    name: str
    repo: Path
    patch: Path
    files: tuple[str, ...]
    file_lines: int
    added: int
    deleted: int

    def describe(self) -> str:
        return (
            f"{len(self.files)} changed .py files, {self.file_lines} lines after the change, "
            f"+{self.added} -{self.deleted} lines"
        )


def build_diff_input(
    root: Path, name: str, base: Sequence[PyFile], edit: Callable[[], list[PyFile]]
) -> DiffInput:
    """Commit `base`, apply `edit` (returns the post-image files), stage it and save the diff."""
    repo = root / name
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    write_files(repo, base)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "base")
    changed = edit()
    write_files(repo, changed)
    git(repo, "add", "-A")
    patch = root / f"{name}.diff"
    patch.write_text(git(repo, "diff", "--cached", "--no-color", "--no-ext-diff"), "utf-8")
    added = deleted = 0
    for line in git(repo, "diff", "--cached", "--numstat").splitlines():
        plus, minus, _ = line.split("\t", 2)
        added, deleted = added + int(plus), deleted + int(minus)
    paths = tuple(sorted(f.path for f in changed))
    lines = sum(count_lines((repo / p).read_text("utf-8")) for p in paths)
    return DiffInput(name, repo, patch, paths, lines, added, deleted)


def typical_commit(root: Path, rng: random.Random) -> DiffInput:
    """5 modules of 150-250 lines, then ~300 added lines spread over all five."""
    gen = CodeGen(rng)
    names = ("api_client", "storage", "deploy", "reports", "jobs")
    files = [gen.module(f"app/{n}.py", rng.randint(150, 250)) for n in names]
    # One pre-existing risky line: bandit/ruff see it in the post-image, a diff-aware tool
    # filtering on added lines should not.
    files[2].blocks.insert(3, gen.risky(0))

    def edit() -> list[PyFile]:
        for f in files:
            gen.add_lines(f, 55)
        # Two risky additions, both in codeguard's destructive rule set.
        files[1].blocks.insert(2, gen.risky(1))
        files[4].blocks.append(gen.risky(2))
        gen.bump_constant(files[0])
        return files

    return build_diff_input(root, "typical", files, edit)


def large_diff(root: Path, rng: random.Random, scale: int = 1) -> DiffInput:
    """34 modified modules plus 6 new ones: ~4000 added lines, an agent's big refactor.
    `scale` divides the file counts (--quick: a smoke test cannot afford the full size)."""
    gen = CodeGen(rng)
    n_mod, n_new = 34 // scale, max(6 // scale, 4)
    modified = [gen.module(f"pkg/mod_{i:02d}.py", rng.randint(60, 140)) for i in range(n_mod)]
    for i, f in enumerate(modified[::10]):
        f.blocks.insert(1, gen.risky(i))

    def edit() -> list[PyFile]:
        for f in modified:
            gen.add_lines(f, 85)
        for i, f in enumerate(modified[5::10]):
            f.blocks.append(gen.risky(i + 1))
        new = [gen.module(f"pkg/new/feature_{i}.py", rng.randint(120, 200)) for i in range(n_new)]
        new[3].blocks.append(gen.risky(1))
        return modified + new

    return build_diff_input(root, "large", modified, edit)


# Commands an agent might propose: mostly routine, a few destructive ones.
COMMANDS = (
    "ls -la",
    "git status",
    "git diff --stat",
    "git log --oneline -n 20",
    "pytest -q",
    "python -m pip install -e .",
    "rm -rf ./build",
    "rm -rf dist/ .pytest_cache",
    "mkdir -p src/app && touch src/app/__init__.py",
    "grep -rn TODO src/",
    "find . -name '*.pyc' -delete",
    "cat pyproject.toml",
    "ruff check . --fix",
    "docker compose up -d db",
    "git checkout -b feature/retry-logic",
    "git push origin feature/retry-logic",
    "rm -rf /",
    "git push --force origin main",
    "sudo rm -rf ~",
    'psql -c "DROP TABLE users"',
)


# --------------------------------------------------------------------------------------
# Findings summaries (informative side column)
# --------------------------------------------------------------------------------------


def summarise_ids(ids: list[str], limit: int = 4) -> str:
    """`n: A x3, B` with the most common ids first; long tails are cut."""
    if not ids:
        return "0"
    common = Counter(ids).most_common()
    parts = [f"{i}x{n}" if n > 1 else i for i, n in common[:limit]]
    tail = ", ..." if len(common) > limit else ""
    return f"{len(ids)}: {', '.join(parts)}{tail}"


def codeguard_findings(stdout: str) -> str:
    doc = json.loads(stdout)
    ids = [f["rule_id"] for f in doc["findings"] if not f.get("suppressed")]
    text = f"{summarise_ids(ids)} ({doc['verdict']})"
    if doc.get("failures"):
        text += f" {len(doc['failures'])} stage failure(s)"
    return text


def bandit_findings(stdout: str) -> str:
    doc = json.loads(stdout)
    text = summarise_ids([r["test_id"] for r in doc["results"]])
    if doc.get("errors"):
        text += f" +{len(doc['errors'])} error(s)"
    return text


def ruff_findings(stdout: str) -> str:
    return summarise_ids([d["code"] or "?" for d in json.loads(stdout)])


# --------------------------------------------------------------------------------------
# Timing
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    """One timed command: a table row within its workload."""

    label: str
    argv: tuple[str, ...]
    cwd: Path
    ok_codes: frozenset[int]
    findings: Callable[[str], str] | None = None


@dataclass
class Workload:
    """Cases timed side by side. Each group is run back to back, in shuffled order; the
    per-round ratios pair cases of the same group in the same round."""

    name: str
    description: str
    groups: list[list[Case]]
    references: tuple[str, ...]
    share: float  # of the time budget, when --reps is not given
    total_row: str | None = None


@dataclass(frozen=True)
class Plan:
    """How many rounds to run: fixed (--reps) or fitted to a time budget."""

    fixed_reps: int | None
    budget_s: float
    min_reps: int
    max_reps: int
    max_warmups: int

    def reps_for(self, share: float, round_s: float) -> int:
        if self.fixed_reps is not None:
            return self.fixed_reps
        fitted = int(self.budget_s * share / max(round_s, 1e-3))
        return max(self.min_reps, min(self.max_reps, fitted))


@dataclass
class Result:
    workload: Workload
    stats: dict[str, Stats]
    warmups: int
    reps: int


@dataclass
class Stats:
    times: dict[tuple[int, int], float] = field(default_factory=dict)  # (round, group) -> s
    findings: set[str] = field(default_factory=set)
    failures: list[str] = field(default_factory=list)


@dataclass
class Tools:
    codeguard: str
    bandit: str
    ruff: str
    python: str = sys.executable


def find_tools() -> Tools:
    """The tools next to this interpreter, so the benchmark measures one venv only."""
    bindir = Path(sys.executable).parent
    paths = {}
    for name in ("codeguard", "bandit", "ruff"):
        exe = bindir / name
        if not (exe.is_file() and os.access(exe, os.X_OK)):
            raise SystemExit(
                f"bench: {name} not found in {bindir}; run this script with the project's venv "
                f"python (e.g. .venv/bin/python bench/run.py) after `pip install -e '.[test]'`"
            )
        paths[name] = str(exe)
    return Tools(**paths)


def run_once(case: Case, env: dict[str, str]) -> tuple[float, str | None, str]:
    """Time one whole process; returns (seconds, error or None, stdout)."""
    start = time.perf_counter()
    try:
        proc = subprocess.run(
            case.argv,
            cwd=case.cwd,
            env=env,
            capture_output=True,
            text=True,
            timeout=RUN_TIMEOUT_S,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return time.perf_counter() - start, f"timed out after {RUN_TIMEOUT_S:.0f} s", ""
    elapsed = time.perf_counter() - start
    if proc.returncode not in case.ok_codes:
        return elapsed, f"exit {proc.returncode}: {proc.stderr.strip()[-2000:]}", proc.stdout
    return elapsed, None, proc.stdout


def record(stats: Stats, case: Case, key: tuple[int, int] | None, env: dict[str, str]) -> None:
    seconds, error, stdout = run_once(case, env)
    if error is not None:
        if not stats.failures:
            # Print the first failure in full: that is the one worth reading.
            log(f"FAILED {shlex.join(case.argv)} (in {case.cwd})\n{error}")
        stats.failures.append(error)
        return
    if case.findings is not None:
        try:
            stats.findings.add(case.findings(stdout))
        except (ValueError, KeyError, TypeError) as exc:
            stats.findings.add(f"unreadable JSON ({exc.__class__.__name__})")
    if key is not None:
        stats.times[key] = seconds


def run_round(
    w: Workload, stats: dict[str, Stats], rnd: int | None, rng: random.Random, env: dict[str, str]
) -> float:
    """One round of every case; rnd None = warm-up (checked, not timed). Returns its wall time."""
    start = time.perf_counter()
    # Shuffle groups and cases within each group: no tool always runs first or right
    # after the same neighbour (caches, CPU frequency, other tenants).
    order = list(enumerate(w.groups))
    rng.shuffle(order)
    for gi, group in order:
        cases = list(group)
        rng.shuffle(cases)
        for case in cases:
            record(stats[case.label], case, None if rnd is None else (rnd, gi), env)
    return time.perf_counter() - start


def run_workload(w: Workload, plan: Plan, rng: random.Random, env: dict[str, str]) -> Result:
    stats: dict[str, Stats] = {}
    for case in (c for g in w.groups for c in g):
        stats.setdefault(case.label, Stats())
    round_s = run_round(w, stats, None, rng, env)
    warmups = 1
    if plan.max_warmups > 1 and round_s < SECOND_WARMUP_BELOW_S:
        round_s = run_round(w, stats, None, rng, env)
        warmups = 2
    reps = plan.reps_for(w.share, round_s)
    log(f"{w.name}: warm-up round {round_s:.1f} s; {reps} timed round(s)")
    for rnd in range(reps):
        round_s = run_round(w, stats, rnd, rng, env)
        log(f"{w.name}: round {rnd + 1}/{reps} {round_s:.1f} s")
    return Result(w, stats, warmups, reps)


def log(message: str) -> None:
    """Progress goes to stderr: stdout carries only the report."""
    print(f"bench: {message}", file=sys.stderr, flush=True)


# --------------------------------------------------------------------------------------
# Workload definitions
# --------------------------------------------------------------------------------------


def diff_workload(d: DiffInput, tools: Tools, share: float) -> Workload:
    json_out = ("--format", "json")
    json_ruff = ("--output-format", "json")
    cases = [
        Case(
            "codeguard --diff",
            (tools.codeguard, "scan", "--diff", str(d.patch), *json_out),
            d.repo,
            TOOL_OK,
            codeguard_findings,
        ),
        Case(
            "codeguard --staged",
            (tools.codeguard, "scan", "--staged", *json_out),
            d.repo,
            TOOL_OK,
            codeguard_findings,
        ),
        Case(
            BANDIT,
            (tools.bandit, "-q", "-f", "json", *d.files),
            d.repo,
            TOOL_OK,
            bandit_findings,
        ),
        Case(
            RUFF,
            (tools.ruff, "check", "--select", "S", "--no-cache", *json_ruff, *d.files),
            d.repo,
            TOOL_OK,
            ruff_findings,
        ),
        Case(FLOOR, (tools.python, "-c", "pass"), d.repo, FLOOR_OK),
    ]
    return Workload(d.name, d.describe(), [cases], (FLOOR, BANDIT, RUFF), share)


def command_workload(cwd: Path, tools: Tools) -> Workload:
    """Each command is paired with its own floor run: codeguard and bandit/ruff are not
    comparable here, only codeguard against starting an interpreter."""
    groups = []
    for cmd in COMMANDS:
        scan = Case(
            f"codeguard --command {cmd!r}",
            (tools.codeguard, "scan", "--command", cmd, "--format", "json"),
            cwd,
            TOOL_OK,
            codeguard_findings,
        )
        groups.append([scan, Case(FLOOR, (tools.python, "-c", "pass"), cwd, FLOOR_OK)])
    desc = f"{len(COMMANDS)} shell commands, one `codeguard scan --command` process each"
    total = "all commands, summed per round"
    return Workload("commands", desc, groups, (FLOOR,), share=0.2, total_row=total)


def startup_workload(cwd: Path, tools: Tools) -> Workload:
    cases = [
        Case("codeguard --version", (tools.codeguard, "--version"), cwd, FLOOR_OK),
        Case(FLOOR, (tools.python, "-c", "pass"), cwd, FLOOR_OK),
    ]
    return Workload("startup", "start-up and exit, no scan", [cases], (FLOOR,), share=0.05)


# --------------------------------------------------------------------------------------
# Report
# --------------------------------------------------------------------------------------


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f}"


def ratio_cell(ratios: list[float]) -> str:
    if not ratios:
        return "-"
    if len(ratios) == 1:
        return f"{ratios[0]:.2f}"
    return f"{statistics.median(ratios):.2f} ({min(ratios):.2f}-{max(ratios):.2f})"


def paired(a: Stats, b: Stats) -> list[float]:
    """Per-round ratios a/b, only where both ran in the same round and group."""
    return [a.times[k] / b.times[k] for k in a.times if k in b.times and b.times[k] > 0]


def totals_per_round(w: Workload, stats: dict[str, Stats], reference: str) -> list[float]:
    """Round by round: sum of every non-reference case / sum of the reference runs."""
    rounds = sorted({rnd for s in stats.values() for rnd, _ in s.times})
    ratios = []
    for rnd in rounds:
        tops: list[float | None] = []
        bottoms: list[float | None] = []
        for gi, group in enumerate(w.groups):
            for case in group:
                side = bottoms if case.label == reference else tops
                side.append(stats[case.label].times.get((rnd, gi)))
        if None in tops or None in bottoms:
            continue  # a failed run: the round's sums would not compare the same work
        ratios.append(sum(t or 0.0 for t in tops) / sum(b or 0.0 for b in bottoms))
    return ratios


def table(r: Result) -> list[str]:
    w, stats = r.workload, r.stats
    refs = (FLOOR, BANDIT, RUFF)
    lines = [
        f"### {w.name}: {w.description}",
        "",
        f"{r.reps} timed round(s) after {r.warmups} warm-up(s).",
        "",
        "| tool | runs | median ms | min ms | max ms | "
        + " | ".join(f"x {ref} (paired)" for ref in refs)
        + " | findings |",
        "|---|---:|---:|---:|---:|" + "---:|" * len(refs) + "---|",
    ]
    # The floor last: in the commands workload it is shared by every row above it.
    for label in sorted(stats, key=lambda lb: lb == FLOOR):
        s = stats[label]
        values = list(s.times.values())
        if not values:
            lines.append(
                f"| {md_label(label)} | 0 | - | - | - |"
                + " - |" * len(refs)
                + f" all {len(s.failures)} runs failed |"
            )
            continue
        cells = [
            "-" if ref == label or ref not in w.references else ratio_cell(paired(s, stats[ref]))
            for ref in refs
        ]
        found = " / ".join(sorted(s.findings)) or "-"
        if s.failures:
            found += f" ({len(s.failures)} failed runs)"
        lines.append(
            f"| {md_label(label)} | {len(values)} | {ms(statistics.median(values))} | "
            f"{ms(min(values))} | {ms(max(values))} | {' | '.join(cells)} | {found} |"
        )
    if w.total_row:
        cell = ratio_cell(totals_per_round(w, stats, FLOOR))
        lines.append(f"| {w.total_row} | | | | | {cell} | - | - | |")
        # The agent gate's target: the median command under 3x a bare interpreter.
        per_command = [
            statistics.median(paired(s, stats[FLOOR]))
            for label, s in stats.items()
            if label != FLOOR and s.times and paired(s, stats[FLOOR])
        ]
        if per_command:
            median = statistics.median(per_command)
            lines.append(f"| median command | | | | | {median:.2f} | - | - | |")
    return [*lines, ""]


def md_label(text: str) -> str:
    """Quoted shell commands go in code spans; a pipe would still split the table cell."""
    return "`" + text.replace("|", "\\|") + "`" if "'" in text else text


def versions(tools: Tools) -> dict[str, str]:
    def first_line(argv: list[str]) -> str:
        proc = subprocess.run(argv, capture_output=True, text=True, check=False)
        return (proc.stdout or proc.stderr).strip().splitlines()[0]

    return {
        "codeguard": f"{first_line([tools.codeguard, '--version'])}, {codeguard_source()}",
        "bandit": first_line([tools.bandit, "--version"]),
        "ruff": first_line([tools.ruff, "--version"]),
        "python": f"{platform.python_version()} ({sys.executable})",
        "git": first_line(["git", "--version"]),
    }


def codeguard_source() -> str:
    """The commit of the codeguard being measured: the version string does not change
    between commits, and an editable install runs whatever the work tree holds."""
    proc = subprocess.run(
        [sys.executable, "-c", "import codeguard; print(codeguard.__file__)"],
        capture_output=True,
        text=True,
        check=False,
    )
    where = Path(proc.stdout.strip()).parent
    head = subprocess.run(
        ["git", "-C", str(where), "rev-parse", "--short", "HEAD"],
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0 or head.returncode != 0:
        return f"from {where} (not a git checkout)"
    # The built-in rules live next to the package in a checkout: they count as source too.
    paths = [".", "../rules"] if (where.parent / "rules").is_dir() else ["."]
    dirty = subprocess.run(
        ["git", "-C", str(where), "status", "--porcelain", "--", *paths],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    state = " with uncommitted changes" if dirty else ""
    return f"from {where} at {head.stdout.strip()}{state}"


def header(tools: Tools, args: argparse.Namespace, plan: Plan, load_start: str) -> list[str]:
    if plan.fixed_reps is not None:
        rounds = f"{plan.fixed_reps} timed rounds per workload (--reps)"
    else:
        rounds = (
            f"timed rounds fitted to a {plan.budget_s:.0f} s budget, "
            f"{plan.min_reps}-{plan.max_reps} per workload"
        )
    return [
        "# codeguard benchmark"
        + (" (--quick: smoke test, reduced large diff)" if args.quick else ""),
        "",
        f"- date: {datetime.now(timezone.utc).strftime('%Y-%m-%d %H:%M UTC')}",
        f"- machine: {platform.machine()} {platform.system()} {platform.release()}, "
        f"nproc {os.cpu_count()}, load average (1/5/15 min) at start {load_start}, "
        f"at end {load_average()}",
        *(f"- {k}: {v}" for k, v in versions(tools).items()),
        f"- {rounds}; up to {plan.max_warmups} uncounted warm-up(s); order shuffled per round "
        f"(seed {args.seed})",
        "",
        "Times are whole processes (fork + exec + exit), wall clock, in milliseconds. Ratios are "
        "medians of per-round ratios (min-max in brackets) against the named tool run in the "
        "same round on the same input: only ratios are comparable across machines and runs.",
        "",
    ]


def load_average() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


# --------------------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        description="Time codeguard side by side with bandit, ruff S and a bare interpreter."
    )
    p.add_argument(
        "--reps", type=int, help="timed rounds per workload (default: fitted to a time budget)"
    )
    p.add_argument(
        "--quick", action="store_true", help="smoke test: smaller large diff, 1-3 rounds"
    )
    p.add_argument("--output", type=Path, help="also write the Markdown report here")
    p.add_argument("--seed", type=int, default=SEED, help="seed for inputs and run order")
    p.add_argument("--keep", action="store_true", help="keep the generated inputs")
    args = p.parse_args(argv)
    if args.reps is not None and args.reps < 1:
        p.error("--reps must be at least 1")
    return args


def make_plan(args: argparse.Namespace) -> Plan:
    if args.quick:
        return Plan(args.reps, QUICK_BUDGET_S, *QUICK_REPS, max_warmups=1)
    return Plan(args.reps, FULL_BUDGET_S, *FULL_REPS, max_warmups=2)


def bench_env(root: Path) -> dict[str, str]:
    """The tools' environment: no user codeguard settings, caches of our own."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CODEGUARD_")}
    # Own cache dir: the first warm-up pays the rule validation, timed runs see a warm
    # cache (as every hook run after the first would), and ~/.cache is left alone.
    env["CODEGUARD_CACHE_DIR"] = str(root / "codeguard-cache")
    # Warm bytecode for every tool alike: under PYTHONDONTWRITEBYTECODE an editable
    # codeguard recompiles all its modules on every run while bandit reads the .pyc files
    # pip wrote at install. A private prefix is filled by the warm-ups and keeps the
    # source tree free of __pycache__ directories.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(root / "pycache")
    env["NO_COLOR"] = "1"
    return env


def build_workloads(root: Path, tools: Tools, args: argparse.Namespace) -> list[Workload]:
    rng = random.Random(args.seed)
    typical = typical_commit(root, rng)
    large = large_diff(root, rng, scale=4 if args.quick else 1)
    return [
        diff_workload(typical, tools, share=0.3),
        diff_workload(large, tools, share=0.45),
        command_workload(typical.repo, tools),
        startup_workload(typical.repo, tools),
    ]


def corpus_section() -> list[str]:
    """The labelled destructive-operations corpus: what is blocked, what passes."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import corpus  # bench/corpus.py, beside this file

    started = time.perf_counter()
    outcomes = corpus.run_in_process(corpus.load_cases())
    seconds = time.perf_counter() - started
    lines = [
        "",
        "### destructive-operations corpus (tests/data/destructive)",
        f"Each case scanned as a file and, for shell cases, as a command ({seconds:.1f} s in all).",
        "",
    ]
    return lines + corpus.report(outcomes).rstrip("\n").split("\n")


def security_section() -> list[str]:
    """The labelled insecure-code corpus: recall and false flags, with and without bandit."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import security_corpus  # bench/security_corpus.py, beside this file

    cases = security_corpus.load_cases()
    lines = ["", "### insecure-code corpus (tests/data/security)", ""]
    for title, bandit in (("codeguard's own rules", False), ("with bandit", True)):
        started = time.perf_counter()
        outcomes = security_corpus.run_in_process(cases, bandit=bandit)
        seconds = time.perf_counter() - started
        lines += [f"{title} ({seconds:.1f} s):", ""]
        report = security_corpus.report(outcomes).split("\n\nMisjudged")[0]
        lines += [*report.rstrip("\n").split("\n"), ""]
    holdout = security_corpus.CORPUS.parent / "security-holdout"
    if holdout.is_dir():
        outcomes = security_corpus.run_in_process(security_corpus.load_cases(holdout))
        lines += [
            "held-out corpus (tests/data/security-holdout: written without reading the rules;"
            " 3 cases inspected to fix mechanism bugs, none tuned as rules):",
            "",
        ]
        report = security_corpus.report(outcomes).split("\n\n")[0]
        lines += report.rstrip("\n").split("\n")
    return lines


def injection_section() -> list[str]:
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import injection_corpus

    lines = ["### reviewer-injection corpora (CG801 reviewer-directed text, CG802 invisible)", ""]
    for name, directory in (
        ("tuned corpus", injection_corpus.CORPUS),
        ("held-out corpus, written without reading the detectors", injection_corpus.HOLDOUT),
    ):
        outcomes = injection_corpus.run(injection_corpus.load(directory))
        lines += injection_corpus.report(f"{name} ({directory.name})", outcomes)
    return lines


def hooks_section() -> list[str]:
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import hooks_bench

    return hooks_bench.section()


def audit_section(quick: bool) -> list[str]:
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import audit_bench

    return audit_bench.section(quick=quick)


def llm_section() -> list[str]:
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import llm_bench

    return llm_bench.section()


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    tools = find_tools()
    plan = make_plan(args)
    load_start = load_average()
    root = Path(tempfile.mkdtemp(prefix="codeguard-bench-"))
    try:
        workloads = build_workloads(root, tools, args)
        for w in workloads:
            log(f"input {w.name}: {w.description}")
        # Run order has its own generator: changing --reps never changes the inputs.
        order_rng = random.Random(args.seed + 1)
        env = bench_env(root)
        results = [run_workload(w, plan, order_rng, env) for w in workloads]
    finally:
        if args.keep:
            log(f"inputs kept in {root}")
        else:
            shutil.rmtree(root, ignore_errors=True)
    report = header(tools, args, plan, load_start)
    for r in results:
        report += table(r)
    report += corpus_section()
    report += security_section()
    report += hooks_section()
    report += injection_section()
    report += llm_section()
    report += audit_section(args.quick)
    failed = [
        f"{r.workload.name}: {lb}" for r in results for lb, s in r.stats.items() if s.failures
    ]
    if failed:
        report += [
            "**Failed runs** (not timed; first error printed on stderr): " + "; ".join(failed)
        ]
    text = "\n".join(report) + "\n"
    sys.stdout.write(text)
    if args.output:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(text, encoding="utf-8")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
