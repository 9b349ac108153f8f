"""The command line: the only reader of argv and the environment; errors -> exit codes."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING
from typing import NoReturn

from codeguard import __version__
from codeguard.errors import EXIT_BLOCK
from codeguard.errors import EXIT_ERROR
from codeguard.errors import EXIT_INTERRUPTED
from codeguard.errors import EXIT_PASS
from codeguard.errors import CodeguardError
from codeguard.errors import InputError
from codeguard.errors import UsageError

if TYPE_CHECKING:
    from codeguard.changes import ChangeSet
    from codeguard.config import Config
    from codeguard.ruleset import Rule
    from codeguard.stage import LLMAccess

FORMATS = ("text", "json", "sarif", "github", "markdown")
AGENTS = ("claude-code", "codex", "gemini", "cursor", "copilot")
VERDICT_EXIT = {"pass": EXIT_PASS, "warn": EXIT_PASS, "block": EXIT_BLOCK, "error": EXIT_ERROR}


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line and a UsageError (exit 2)."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{message} (see `{self.prog} --help`)")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="codeguard", description="A guardrail between AI-written code and production."
    )
    parser.add_argument("--version", action="version", version=f"codeguard {__version__}")
    sub = parser.add_subparsers(dest="subcommand", metavar="COMMAND", parser_class=_Parser)

    scan = sub.add_parser(
        "scan", help="scan a change: files, a diff, staged changes, a range or a command"
    )
    source = scan.add_argument_group("what to scan (exactly one)")
    source.add_argument(
        "paths", nargs="*", metavar="PATH", help="files or directories, as wholly added files"
    )
    source.add_argument("--diff", metavar="FILE", help="a unified diff ('-' reads stdin)")
    source.add_argument("--staged", action="store_true", help="the git index against HEAD")
    source.add_argument("--range", metavar="BASE..HEAD", help="a git commit range")
    source.add_argument(
        "--command", metavar="CMD", help="a shell command an agent wants to run ('-' reads stdin)"
    )
    source.add_argument(
        "--pr",
        action="store_true",
        help="the pull request of this GitHub Actions run: scan it and post the results",
    )
    source.add_argument(
        "--pre-push",
        action="store_true",
        help="what a push sends: pre-commit's PRE_COMMIT_FROM_REF/TO_REF, else git's"
        " pre-push lines on stdin",
    )
    out = scan.add_argument_group("output")
    out.add_argument("--format", choices=FORMATS, default="text")
    out.add_argument(
        "--output", "-o", metavar="FILE", help="write the report here instead of stdout"
    )
    out.add_argument("--color", choices=("auto", "always", "never"), default="auto")
    out.add_argument("--sarif", metavar="FILE", help="also write SARIF here (for code scanning)")
    policy = scan.add_argument_group("policy (overrides the config file)")
    policy.add_argument("--config", metavar="FILE", help="use this config file")
    policy.add_argument("--fail-on", choices=("note", "warning", "error"))
    policy.add_argument("--filter", choices=("added", "diff-context", "file", "all"))
    policy.add_argument(
        "--select", metavar="IDS", help="comma-separated rule ids, prefixes or names"
    )
    policy.add_argument(
        "--ignore", metavar="IDS", help="comma-separated rule ids, prefixes or names"
    )
    policy.add_argument(
        "--preview", action="store_true", default=None, help="run preview rules too"
    )
    policy.add_argument(
        "--baseline",
        metavar="FILE",
        help="findings recorded here are not blocking (see `baseline`)",
    )
    llm = policy.add_mutually_exclusive_group()
    llm.add_argument("--no-llm", action="store_true", help="skip the LLM reviewer")
    llm.add_argument("--llm", action="store_true", help="require the LLM reviewer")
    out.add_argument(
        "--trace",
        action="store_true",
        help="print what the LLM was sent and answered (masked) to stderr; JSON adds it too",
    )

    base = sub.add_parser(
        "baseline", help="record today's findings so only new ones block (adopting codeguard)"
    )
    bsub = base.add_subparsers(
        dest="baseline_command", metavar="ACTION", parser_class=_Parser, required=True
    )
    create = bsub.add_parser("create", help="scan PATHs (default: the repository) and record")
    create.add_argument("paths", nargs="*", metavar="PATH")
    create.add_argument("--output", "-o", metavar="FILE", default=".codeguard-baseline.json")
    create.add_argument("--config", metavar="FILE")
    check = bsub.add_parser("check", help="scan PATHs and report only findings not recorded")
    check.add_argument("paths", nargs="*", metavar="PATH")
    check.add_argument("--baseline", "-b", metavar="FILE", default=".codeguard-baseline.json")
    check.add_argument("--format", choices=FORMATS, default="text")
    check.add_argument("--config", metavar="FILE")

    rules = sub.add_parser("rules", help="list, show, test and document rules")
    rsub = rules.add_subparsers(
        dest="rules_command", metavar="ACTION", parser_class=_Parser, required=True
    )
    rlist = rsub.add_parser("list", help="one line per rule")
    rlist.add_argument("--config", metavar="FILE")
    show = rsub.add_parser("show", help="a rule's documentation")
    show.add_argument("rule", metavar="ID")
    show.add_argument("--config", metavar="FILE")
    test = rsub.add_parser("test", help="check that every rule's examples behave")
    test.add_argument(
        "dirs", nargs="*", metavar="DIR", help="rule directories (default: the built-in rules)"
    )
    docs = rsub.add_parser("docs", help="generate docs/rules.md")
    docs.add_argument("--output", "-o", metavar="FILE")
    docs.add_argument("--check", action="store_true", help="exit 1 if FILE is out of date")

    hook = sub.add_parser("hook", help="answer an agent's pre-tool-use hook (JSON on stdin)")
    hook.add_argument("agent", choices=AGENTS)
    for name, verb in (("install", "put codeguard in front of"), ("uninstall", "remove it from")):
        cmd = sub.add_parser(name, help=f"{verb} an agent or git's commits")
        target = cmd.add_mutually_exclusive_group(required=True)
        target.add_argument("--agent", choices=AGENTS)
        target.add_argument(
            "--git-hook",
            nargs="?",
            const="pre-commit",
            choices=("pre-commit", "pre-push"),
            metavar="HOOK",
            help="git's pre-commit hook (or pre-push)",
        )
        scope = cmd.add_mutually_exclusive_group()
        scope.add_argument(
            "--project", action="store_true", help="this repository's settings (default)"
        )
        scope.add_argument("--user", action="store_true", help="your user-wide settings")
    st = sub.add_parser("stats", help="block rates, drift and precision per rule, from the log")
    st.add_argument("--since", default="30d", help="window: 30d, 12h, 90m (default 30d)")
    st.add_argument("--by", choices=("rule", "stage", "surface", "day"), default="rule")
    st.add_argument("--format", choices=("text", "json", "html"), default="text")
    st.add_argument("--output", "-o", metavar="FILE")
    st.add_argument(
        "--drift-z", type=float, default=3.0, help="|z| that counts as drift (default 3.0)"
    )
    st.add_argument("--config", metavar="FILE")
    fb = sub.add_parser(
        "feedback",
        help="label a finding (by fingerprint) right or wrong, or import 👍/👎 from a PR",
    )
    fb.add_argument("fingerprint", metavar="FINGERPRINT", nargs="?")
    verdict = fb.add_mutually_exclusive_group()
    verdict.add_argument("--true-positive", action="store_true")
    verdict.add_argument("--false-positive", action="store_true")
    fb.add_argument("--note", metavar="TEXT")
    fb.add_argument(
        "--from-pr", type=int, metavar="N",
        help="labels from 👍/👎 on codeguard's review comments of pull request N",
    )  # fmt: skip
    fb.add_argument("--repo", metavar="OWNER/NAME", help="with --from-pr ($GITHUB_REPOSITORY)")
    fb.add_argument(
        "--bot", metavar="LOGIN",
        help="whose comments are codeguard's ($CODEGUARD_GITHUB_LOGIN, github-actions[bot])",
    )  # fmt: skip
    fb.add_argument("--config", metavar="FILE")
    rn = sub.add_parser("runs", help="recent runs from the audit log")
    rn.add_argument("--limit", type=int, default=20, help="at most N runs, newest first")
    rn.add_argument("--since", help="only runs in this window: 7d, 12h, 90m")
    rn.add_argument("--verdict", choices=("block", "warn", "pass", "error"))
    rn.add_argument("--surface", help="cli, apply, github-pr, hook:claude-code, ...")
    rn.add_argument("--config", metavar="FILE")
    tr = sub.add_parser("trace", help="one run: what was scanned, what decided, what the LLM saw")
    tr.add_argument("run_id", metavar="RUN_ID", help="a run id or a unique prefix of one")
    tr.add_argument("--config", metavar="FILE")
    pub = sub.add_parser(
        "publish", help="post a fork PR's JSON report from a workflow_run workflow"
    )
    pub.add_argument("--report", required=True, metavar="FILE", help="scan --pr --format json")
    apply = sub.add_parser("apply", help="scan a patch, then `git apply` it only if it passes")
    apply.add_argument("patch", metavar="PATCH", help="a unified diff ('-' reads stdin)")
    apply.add_argument("--check", action="store_true", help="scan only; do not apply")
    apply.add_argument("--format", choices=FORMATS, default="text")
    apply.add_argument("--config", metavar="FILE")
    selftest = sub.add_parser(
        "selftest",
        help="run canaries through the live configuration: exit 1 if a promise drifted",
    )
    selftest.add_argument("--format", choices=("text", "json"), default="text")
    selftest.add_argument("--config", metavar="FILE", help="use this config file")
    selftest.add_argument(
        "--llm",
        action="store_true",
        help="require the LLM canaries (a local server needs no key); fails if no model",
    )
    gh = sub.add_parser("github", help="set up GitHub for the gate (repository admin)")
    ghsub = gh.add_subparsers(
        dest="github_command", metavar="ACTION", parser_class=_Parser, required=True
    )
    protect = ghsub.add_parser(
        "protect", help="make the gate a required status check on a branch (idempotent)"
    )
    protect.add_argument("--repo", required=True, metavar="OWNER/NAME")
    protect.add_argument("--branch", required=True, metavar="BRANCH")
    protect.add_argument(
        "--ruleset", action="store_true", help='a ruleset named "codeguard", not branch protection'
    )
    protect.add_argument(
        "--check", default="codeguard-gate", metavar="NAME", help="default: codeguard-gate"
    )
    protect.add_argument("--dry-run", action="store_true", help="print what would change")
    return parser


def _split(value: str | None) -> tuple[str, ...] | None:
    if value is None:
        return None
    return tuple(v.strip() for v in value.split(",") if v.strip())


def _read_stdin() -> bytes:
    if sys.stdin is None:
        raise InputError("stdin is not available")
    return sys.stdin.buffer.read()


def _changes(args: argparse.Namespace, cwd: Path, root: Path) -> ChangeSet:
    chosen = [
        name
        for name, given in (
            ("PATH", bool(args.paths)),
            ("--diff", args.diff is not None),
            ("--staged", args.staged),
            ("--range", args.range is not None),
            ("--command", args.command is not None),
            ("--pre-push", args.pre_push),
            ("--pr", args.pr),
        )
        if given
    ]
    if not chosen:
        raise UsageError(
            "nothing to scan: give PATH..., --diff, --staged, --range, --command or --pre-push"
        )
    if len(chosen) > 1:
        raise UsageError(f"give one source to scan, not {' and '.join(chosen)}")
    if args.command is not None:
        from codeguard.diff import decode
        from codeguard.sources.command import from_command

        text = decode(_read_stdin()) if args.command == "-" else args.command
        return from_command(text)
    if args.diff is not None:
        from codeguard.sources.patch import from_diff

        if args.diff == "-":
            return from_diff(_read_stdin(), origin="<stdin>", cwd=cwd)
        path = cwd / args.diff
        if path.is_dir():
            raise InputError(f"{args.diff}: is a directory, not a diff")
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            raise InputError(f"{args.diff}: no such file") from None
        except OSError as exc:
            raise InputError(f"{args.diff}: cannot read: {exc.strerror}") from None
        return from_diff(data, origin=args.diff, cwd=cwd)
    if args.staged:
        from codeguard.sources.gitdiff import staged

        return staged(cwd)
    if args.pre_push:
        from codeguard.sources.gitdiff import pre_push

        return pre_push(cwd, dict(os.environ), sys.stdin.buffer)
    if args.range is not None:
        from codeguard.sources.gitdiff import commit_range

        return commit_range(cwd, args.range)
    from codeguard.sources.files import from_paths

    return from_paths(args.paths, cwd, root)


def cache_dir() -> Path | None:
    """Where validated rules are cached: $CODEGUARD_CACHE_DIR, else the XDG cache."""
    explicit = os.environ.get("CODEGUARD_CACHE_DIR")
    if explicit is not None:
        return Path(explicit) if explicit else None
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "codeguard"


def load_configured_rules(config: Config) -> list[Rule]:
    from codeguard.ruleset import builtin_rules_dir
    from codeguard.ruleset import load_rules

    dirs = [builtin_rules_dir(), *(Path(d) for d in config.rule_dirs)]
    return load_rules(dirs, cache_dir())


def _scan(args: argparse.Namespace) -> int:
    from datetime import datetime
    from datetime import timezone

    from codeguard import pipeline
    from codeguard.config import load_config
    from codeguard.finding import RunMeta
    from codeguard.finding import Severity
    from codeguard.report import FORMATTERS
    from codeguard.stages import STAGES

    cwd = Path.cwd()
    gate = None
    if args.pr:
        from codeguard.github.gate import Gate

        gate = Gate.start(cwd, os.environ)
        config = gate.config(args.config)
    else:
        config = load_config(cwd, args.config)
    overrides: dict[str, object] = {}
    if args.fail_on:
        overrides["fail_on"] = Severity.parse(args.fail_on)
    if args.filter:
        overrides["filter"] = args.filter
    if (select := _split(args.select)) is not None:
        overrides["select"] = select
    if (ignore := _split(args.ignore)) is not None:
        overrides["ignore"] = ignore
    if args.preview:
        overrides["preview"] = True
    if args.no_llm:
        overrides["stages"] = tuple(s for s in config.stages if s != "llm")
    config = config.replace(**overrides)
    if args.command is None:
        from codeguard.stages.security import prestart

        prestart(config)
    rules = load_configured_rules(config)
    changes = gate.changes() if gate is not None else _changes(args, cwd, Path(config.root))
    if args.command is not None:
        from codeguard.gatewriter import write_gate

        write_gate(config, rules, set(STAGES))
    baseline_file = args.baseline or config.baseline
    known: frozenset[str] = frozenset()
    if baseline_file:
        from codeguard import baseline

        known = baseline.read(Path(baseline_file))
    access = llm_access(config, args.llm) if "llm" in config.stages else None
    if gate is not None and access is not None:
        access = gate.with_description(access)
    report = pipeline.run(config, changes, rules, STAGES, baseline=known, llm=access)
    for notice in report.notices:
        print(f"codeguard: note: {notice}", file=sys.stderr)
    to_file = args.output is not None
    color = args.color == "always" or (
        args.color == "auto"
        and not to_file
        and sys.stdout.isatty()
        and "NO_COLOR" not in os.environ
    )
    meta = RunMeta(
        version=__version__,
        time=datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        color=color and args.format == "text",
        source=changes.source,
        trace=args.trace,
    )
    if args.trace:
        from codeguard.report.trace import render_traces

        sys.stderr.write(render_traces(report.traces))
    from codeguard import audit

    audit.record(config, report, "github-pr" if gate is not None else "cli", changes.source)
    rendered = FORMATTERS[args.format](report, meta)
    if gate is not None and args.format == "json":
        rendered = gate.with_pull_request(rendered)
    _write(rendered, args.output)
    if args.sarif:
        _write(FORMATTERS["sarif"](report, meta), args.sarif)
    if gate is not None:
        gate.publish(report, meta, changes)
    return VERDICT_EXIT[report.verdict]


def llm_access(config: Config, required: bool = False) -> LLMAccess:
    """The LLM stage's view of the environment: the key (never from a file), where
    verdicts are cached."""
    from codeguard.stage import LLMAccess

    key, source = "", ""
    for name in ("CODEGUARD_LLM_API_KEY", "OPENAI_API_KEY"):
        if os.environ.get(name):
            key, source = os.environ[name], name
            break
    if not (config.llm.model and (key or required)):
        return LLMAccess(required=required)
    return LLMAccess(
        api_key=key, required=required, cache_dir=_cache_dir(config), key_source=source
    )


def _cache_dir(config: Config) -> str:
    """CODEGUARD_CACHE_DIR, else inside the repository's git dir, else the user's cache."""
    if "CODEGUARD_CACHE_DIR" not in os.environ:
        from codeguard import git

        common = git.common_dir(Path(config.root))
        if common is not None:
            return str(common / "codeguard" / "llm")
    base = cache_dir()
    return str(base / "llm") if base is not None else ""


def _apply(args: argparse.Namespace) -> int:
    """Scan a patch as `scan --diff` does, then `git apply` it only when nothing blocks."""
    from datetime import datetime
    from datetime import timezone

    from codeguard import git
    from codeguard import pipeline
    from codeguard.config import load_config
    from codeguard.finding import RunMeta
    from codeguard.report import FORMATTERS
    from codeguard.sources.patch import from_diff
    from codeguard.stages import STAGES

    cwd = Path.cwd()
    if args.patch == "-":
        data, origin = _read_stdin(), "<stdin>"
    else:
        try:
            data, origin = (cwd / args.patch).read_bytes(), args.patch
        except FileNotFoundError:
            raise InputError(f"{args.patch}: no such file") from None
        except OSError as exc:
            raise InputError(f"{args.patch}: cannot read: {exc.strerror}") from None
    config = load_config(cwd, args.config)
    rules = load_configured_rules(config)
    changes = from_diff(data, origin=origin, cwd=cwd)
    access = llm_access(config) if "llm" in config.stages else None
    report = pipeline.run(config, changes, rules, STAGES, llm=access)
    from codeguard import audit

    audit.record(config, report, "apply", origin)
    for notice in report.notices:
        print(f"codeguard: note: {notice}", file=sys.stderr)
    meta = RunMeta(
        version=__version__,
        time=datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        color=args.format == "text" and sys.stdout.isatty() and "NO_COLOR" not in os.environ,
        source=changes.source,
    )
    _write(FORMATTERS[args.format](report, meta), None)
    code = VERDICT_EXIT[report.verdict]
    if code != EXIT_PASS:
        print(f"codeguard: {origin} was not applied", file=sys.stderr)
        return code
    if args.check:
        return code
    git.require_repo(cwd)
    git.run(["apply", "--whitespace=nowarn", "-"], cwd, input_bytes=data)
    print(f"codeguard: {origin} applied ({len(changes)} file(s))", file=sys.stderr)
    return code


def _write(text: str, output: str | None) -> None:
    if output is None:
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    try:
        Path(output).write_text(text, encoding="utf-8")
    except OSError as exc:
        raise InputError(f"{output}: cannot write: {exc.strerror}") from None


def _baseline(args: argparse.Namespace) -> int:
    """`baseline create` records every finding in the tree; `check` shows only new ones."""
    from codeguard import baseline
    from codeguard import pipeline
    from codeguard.config import load_config
    from codeguard.finding import RunMeta
    from codeguard.report import FORMATTERS
    from codeguard.sources.files import from_paths
    from codeguard.stages import STAGES

    cwd = Path.cwd()
    config = load_config(cwd, args.config).replace(filter="all")
    rules = load_configured_rules(config)
    changes = from_paths(args.paths or [config.root], cwd, Path(config.root))
    if args.baseline_command == "create":
        report = pipeline.run(config, changes, rules, STAGES)
        count = baseline.write(report, Path(args.output))
        print(f"codeguard: recorded {count} findings in {args.output}")
        return EXIT_PASS
    known = baseline.read(Path(args.baseline))
    report = pipeline.run(config, changes, rules, STAGES, baseline=known)
    meta = RunMeta(version=__version__, time="", color=False)
    _write(FORMATTERS[args.format](report, meta), None)
    return VERDICT_EXIT[report.verdict]


def _rules(args: argparse.Namespace) -> int:
    from codeguard import rulesdoc
    from codeguard.config import load_config
    from codeguard.ruleset import builtin_rules_dir
    from codeguard.ruleset import load_rules

    if args.rules_command == "test":
        from codeguard.examples import problems

        dirs = [Path(d) for d in args.dirs] or [builtin_rules_dir()]
        extra = [d for d in dirs if d.resolve() != builtin_rules_dir().resolve()]
        rules = load_rules([builtin_rules_dir(), *extra])
        targets = [
            r for r in rules if any(Path(r.source).parent.resolve() == d.resolve() for d in dirs)
        ]
        failed = 0
        for rule in targets:
            broken = problems(rule, rules)
            failed += bool(broken)
            status = "ok" if not broken else "FAIL"
            counts = f"{len(rule.bad)} bad, {len(rule.good)} good"
            print(f"{rule.id} {rule.name}: {status} ({counts})")
            for problem in broken:
                print(f"  {problem}")
        print(f"{len(targets) - failed} of {len(targets)} rules pass their examples")
        return EXIT_BLOCK if failed else EXIT_PASS
    if args.rules_command == "docs":
        rules = load_rules([builtin_rules_dir()])
        text = rulesdoc.render(rules)
        if args.check:
            target = Path(args.output or "docs/rules.md")
            current = target.read_text(encoding="utf-8") if target.is_file() else ""
            if current != text:
                print(
                    f"{target} is out of date: run `codeguard rules docs -o {target}`",
                    file=sys.stderr,
                )
                return EXIT_BLOCK
            return EXIT_PASS
        _write(text, args.output)
        return EXIT_PASS
    config = load_config(Path.cwd(), args.config)
    rules = load_configured_rules(config)
    if args.rules_command == "list":
        for rule in rules:
            kind = f"[{rule.stage}, {rule.severity.label}]"
            print(f"{rule.id} {rule.name} {kind} {rule.render_message()}")
        return EXIT_PASS
    wanted = args.rule
    found = next((r for r in rules if wanted in (r.id, r.name)), None)
    if found is None:
        raise UsageError(f"no rule {wanted!r} (see `codeguard rules list`)")
    sys.stdout.write(rulesdoc.render_rule(found, heading="#"))
    return EXIT_PASS


def main(argv: Sequence[str] | None = None) -> int:
    try:
        args = _parser().parse_args(argv)
        if args.subcommand == "scan":
            return _scan(args)
        if args.subcommand == "rules":
            return _rules(args)
        if args.subcommand == "baseline":
            return _baseline(args)
        if args.subcommand == "hook":
            from codeguard.hooks.run import main as hook_main

            return hook_main(args.agent)
        if args.subcommand in ("install", "uninstall"):
            from codeguard.install import run as install_run

            return install_run(args)
        if args.subcommand == "apply":
            return _apply(args)
        if args.subcommand in ("stats", "feedback", "runs", "trace"):
            from codeguard.audit import commands

            return commands.run(args)
        if args.subcommand == "selftest":
            from codeguard.selftest import main as selftest_main

            return selftest_main(args)
        if args.subcommand == "publish":
            from codeguard.github.gate import publish_artifact

            return publish_artifact(Path(args.report), os.environ)
        if args.subcommand == "github":
            from codeguard.github.protect import run as github_protect

            return github_protect(args, os.environ)
        _parser().print_help()
        return EXIT_PASS
    except CodeguardError as exc:
        print(f"codeguard: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("codeguard: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # The reader went away (`| head`); the verdict cannot be delivered.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_ERROR
    except Exception as exc:
        if os.environ.get("CODEGUARD_DEBUG"):
            import traceback

            traceback.print_exc()
        hint = "CODEGUARD_DEBUG=1 shows the traceback"
        print(f"codeguard: internal error: {type(exc).__name__}: {exc} ({hint})", file=sys.stderr)
        return EXIT_ERROR
