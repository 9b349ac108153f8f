#!/usr/bin/env python3
"""Validate the labelled destructive-operation corpus in this directory.

Run with the project venv:  /work/main/.venv/bin/python tests/data/destructive/check_corpus.py

Checks:
  * every *.yaml file is a list of mappings with the required keys and no unknown keys;
  * ids are unique across all files and look like ``abc-123``;
  * ``lang``, ``label`` and ``tags`` use allowed values; ``why`` is one non-empty line;
  * per-language structure: gha/gitlab are valid YAML of the right shape, packagejson is valid
    JSON with a ``scripts`` object, makefile recipes start with a TAB, dockerfile lines start with
    a Dockerfile instruction, py parses with ``ast``, sh passes ``bash -n`` (when bash exists),
    tf has balanced braces;
  * corpus-level minimums (total size, per-language counts, destructive/benign balance).

Prints counts per file, per language and per label. Exits 1 when any check fails.
Only the standard library and PyYAML are used.
"""

from __future__ import annotations

import ast
import json
import re
import shutil
import subprocess
import sys
from collections import Counter
from collections import defaultdict
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent

REQUIRED_KEYS = {"id", "lang", "label", "why", "code"}
OPTIONAL_KEYS = {"tags"}
LANGS = ("sh", "py", "sql", "tf", "gha", "gitlab", "dockerfile", "makefile", "packagejson")
LABELS = ("destructive", "benign")
TAGS = {"evasion", "lookalike"}
ID_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")

MIN_TOTAL = 450
MIN_PER_LANG = {
    "sh": 120,
    "py": 70,
    "sql": 45,
    "tf": 25,
    "gha": 20,
    "gitlab": 10,
    "dockerfile": 20,
    "makefile": 15,
    "packagejson": 10,
}
DESTRUCTIVE_SHARE = (0.50, 0.70)  # "roughly 60% destructive / 40% benign"

DOCKERFILE_INSTRUCTIONS = {
    "FROM",
    "RUN",
    "CMD",
    "LABEL",
    "MAINTAINER",
    "EXPOSE",
    "ENV",
    "ADD",
    "COPY",
    "ENTRYPOINT",
    "VOLUME",
    "USER",
    "WORKDIR",
    "ARG",
    "ONBUILD",
    "STOPSIGNAL",
    "HEALTHCHECK",
    "SHELL",
}
HEREDOC_RE = re.compile(r"<<-?\s*(['\"]?)([A-Za-z_][A-Za-z0-9_]*)\1")
MAKE_TARGET_RE = re.compile(r"^([^\s#:=][^:=]*):(?!=)")


# ---------------------------------------------------------------- per-language checks


def check_gha(code: str) -> list[str]:
    try:
        doc = yaml.safe_load(code)
    except yaml.YAMLError as exc:
        return [f"invalid YAML: {exc}"]
    if not isinstance(doc, dict):
        return ["workflow is not a mapping"]
    errs = []
    # PyYAML (YAML 1.1) reads the bare key `on` as boolean True.
    if "on" not in doc and True not in doc:
        errs.append("workflow has no 'on' trigger")
    jobs = doc.get("jobs")
    if not isinstance(jobs, dict) or not jobs:
        return [*errs, "workflow has no jobs mapping"]
    for name, job in jobs.items():
        if not isinstance(job, dict):
            errs.append(f"job {name!r} is not a mapping")
            continue
        if "runs-on" not in job and "uses" not in job:
            errs.append(f"job {name!r} has neither runs-on nor uses")
        steps = job.get("steps", [])
        if not isinstance(steps, list):
            errs.append(f"job {name!r} steps is not a list")
            continue
        for i, step in enumerate(steps):
            if not isinstance(step, dict) or not ({"run", "uses"} & step.keys()):
                errs.append(f"job {name!r} step {i} has neither run nor uses")
    return errs


GITLAB_RESERVED = {
    "stages",
    "variables",
    "default",
    "include",
    "workflow",
    "image",
    "services",
    "cache",
    "before_script",
    "after_script",
}


def check_gitlab(code: str) -> list[str]:
    try:
        doc = yaml.safe_load(code)
    except yaml.YAMLError as exc:
        return [f"invalid YAML: {exc}"]
    if not isinstance(doc, dict):
        return [".gitlab-ci.yml is not a mapping"]
    errs = []
    jobs = {k: v for k, v in doc.items() if k not in GITLAB_RESERVED and not str(k).startswith(".")}
    if not jobs:
        errs.append("no jobs defined")
    for name, job in jobs.items():
        if not isinstance(job, dict):
            errs.append(f"job {name!r} is not a mapping")
            continue
        script = job.get("script")
        if script is None:
            errs.append(f"job {name!r} has no script")
        elif not isinstance(script, (list, str)):
            errs.append(f"job {name!r} script is neither a list nor a string")
        elif isinstance(script, list) and not all(isinstance(s, str) for s in script):
            errs.append(f"job {name!r} script has a non-string entry")
    return errs


def check_packagejson(code: str) -> list[str]:
    try:
        doc = json.loads(code)
    except json.JSONDecodeError as exc:
        return [f"invalid JSON: {exc}"]
    if not isinstance(doc, dict):
        return ["package.json is not an object"]
    scripts = doc.get("scripts")
    if not isinstance(scripts, dict) or not scripts:
        return ["package.json has no scripts object"]
    if not all(isinstance(v, str) for v in scripts.values()):
        return ["a script value is not a string"]
    return []


def check_makefile(code: str) -> list[str]:
    errs = []
    in_rule = False
    continued = False
    recipes = 0
    for n, line in enumerate(code.splitlines(), 1):
        if continued:
            # continuation of the previous logical line (variable or recipe)
            continued = line.endswith("\\")
            if in_rule and line.strip() and not line.startswith("\t"):
                errs.append(f"line {n}: recipe continuation does not start with a TAB")
            continue
        continued = line.endswith("\\")
        if line.startswith("\t"):
            if not in_rule:
                errs.append(f"line {n}: recipe line before any target")
            recipes += 1
            continue
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if MAKE_TARGET_RE.match(line):
            in_rule = True
            continue
        if line.startswith(" ") and in_rule:
            errs.append(f"line {n}: recipe line indented with spaces instead of a TAB")
            continue
        in_rule = False  # variable assignment or directive ends the rule
    if recipes == 0:
        errs.append("no recipe lines")
    return errs


def check_dockerfile(code: str) -> list[str]:
    errs = []
    lines = code.splitlines()
    first = None
    i = 0
    continued = False
    heredoc_end = None
    while i < len(lines):
        line = lines[i]
        i += 1
        if heredoc_end is not None:
            if line.strip() == heredoc_end:
                heredoc_end = None
            continue
        if continued:
            continued = line.rstrip().endswith("\\")
            continue
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        word = stripped.split(None, 1)[0].upper()
        if word not in DOCKERFILE_INSTRUCTIONS:
            errs.append(f"line {i}: {word!r} is not a Dockerfile instruction")
        if first is None:
            first = word
        continued = stripped.endswith("\\")
        m = HEREDOC_RE.search(stripped)
        if m and word in {"RUN", "COPY", "ADD"}:
            heredoc_end = m.group(2)
    if first not in {"FROM", "ARG"}:
        errs.append(f"first instruction is {first!r}, expected FROM (or ARG)")
    if heredoc_end is not None:
        errs.append(f"unterminated heredoc {heredoc_end}")
    return errs


def check_py(code: str) -> list[str]:
    try:
        ast.parse(code)
    except SyntaxError as exc:
        return [f"Python syntax error: {exc}"]
    return []


BASH = shutil.which("bash")


def check_sh(code: str) -> list[str]:
    if BASH is None:
        return []
    proc = subprocess.run([BASH, "-n"], input=code, capture_output=True, text=True)
    if proc.returncode != 0:
        return [f"bash -n failed: {proc.stderr.strip()}"]
    return []


def check_tf(code: str) -> list[str]:
    # Strip comments and string contents roughly, then compare bracket counts.
    text = re.sub(r"#[^\n]*", "", code)
    text = re.sub(r'"(?:[^"\\]|\\.)*"', '""', text)
    errs = []
    for o, c in ("{}", "[]", "()"):
        if text.count(o) != text.count(c):
            errs.append(f"unbalanced {o}{c}: {text.count(o)} vs {text.count(c)}")
    return errs


def check_sql(code: str) -> list[str]:
    return [] if code.strip() else ["empty SQL"]


CHECKERS = {
    "gha": check_gha,
    "gitlab": check_gitlab,
    "packagejson": check_packagejson,
    "makefile": check_makefile,
    "dockerfile": check_dockerfile,
    "py": check_py,
    "sh": check_sh,
    "tf": check_tf,
    "sql": check_sql,
}


# ---------------------------------------------------------------- driver


def main() -> int:
    errors: list[str] = []
    seen: dict[str, str] = {}
    per_file: dict[str, Counter] = {}
    per_lang: dict[str, Counter] = defaultdict(Counter)
    per_label: Counter = Counter()
    per_tag: Counter = Counter()

    files = sorted(HERE.glob("*.yaml"))
    if not files:
        print("no corpus files found", file=sys.stderr)
        return 1

    for path in files:
        try:
            cases = yaml.safe_load(path.read_text(encoding="utf-8"))
        except yaml.YAMLError as exc:
            errors.append(f"{path.name}: invalid YAML: {exc}")
            continue
        if not isinstance(cases, list):
            errors.append(f"{path.name}: top level is not a list")
            continue
        counts: Counter = Counter()
        for idx, case in enumerate(cases):
            where = f"{path.name}[{idx}]"
            if not isinstance(case, dict):
                errors.append(f"{where}: case is not a mapping")
                continue
            cid = case.get("id")
            if isinstance(cid, str):
                where = f"{path.name}:{cid}"
            missing = REQUIRED_KEYS - case.keys()
            unknown = case.keys() - REQUIRED_KEYS - OPTIONAL_KEYS
            if missing:
                errors.append(f"{where}: missing keys {sorted(missing)}")
                continue
            if unknown:
                errors.append(f"{where}: unknown keys {sorted(unknown)}")
            if not isinstance(cid, str) or not ID_RE.match(cid):
                errors.append(f"{where}: bad id {cid!r}")
            elif cid in seen:
                errors.append(f"{where}: duplicate id (also in {seen[cid]})")
            else:
                seen[cid] = path.name
            lang, label, why, code = case["lang"], case["label"], case["why"], case["code"]
            if lang not in LANGS:
                errors.append(f"{where}: lang {lang!r} not in {LANGS}")
                continue
            if label not in LABELS:
                errors.append(f"{where}: label {label!r} not in {LABELS}")
                continue
            if not isinstance(why, str) or not why.strip() or "\n" in why.strip():
                errors.append(f"{where}: why must be one non-empty line")
            elif len(why) > 160:
                errors.append(f"{where}: why is longer than 160 characters")
            if not isinstance(code, str) or not code.strip():
                errors.append(f"{where}: code must be a non-empty string")
                continue
            tags = case.get("tags", [])
            if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
                errors.append(f"{where}: tags must be a list of strings")
                tags = []
            for t in tags:
                if t not in TAGS:
                    errors.append(f"{where}: unknown tag {t!r}")
                per_tag[t] += 1
            if "lookalike" in tags and label != "benign":
                errors.append(f"{where}: lookalike tag on a non-benign case")
            if "evasion" in tags and label != "destructive":
                errors.append(f"{where}: evasion tag on a non-destructive case")
            for msg in CHECKERS[lang](code):
                errors.append(f"{where} ({lang}): {msg}")
            counts[label] += 1
            per_lang[lang][label] += 1
            per_label[label] += 1
        per_file[path.name] = counts

    total = sum(per_label.values())

    # ---- report
    print(f"{'file':<24}{'destructive':>12}{'benign':>8}{'total':>7}")
    for name, c in per_file.items():
        print(f"{name:<24}{c['destructive']:>12}{c['benign']:>8}{sum(c.values()):>7}")
    print()
    print(f"{'lang':<24}{'destructive':>12}{'benign':>8}{'total':>7}{'min':>6}")
    for lang in LANGS:
        c = per_lang.get(lang, Counter())
        print(
            f"{lang:<24}{c['destructive']:>12}{c['benign']:>8}{sum(c.values()):>7}{MIN_PER_LANG[lang]:>6}"
        )
    print()
    share = per_label["destructive"] / total if total else 0.0
    print(
        f"total {total}: destructive {per_label['destructive']} ({share:.1%}), "
        f"benign {per_label['benign']} ({1 - share:.1%})"
    )
    print("tags: " + ", ".join(f"{t} {n}" for t, n in sorted(per_tag.items())))

    # ---- corpus-level requirements
    if total < MIN_TOTAL:
        errors.append(f"corpus has {total} cases, need at least {MIN_TOTAL}")
    for lang, minimum in MIN_PER_LANG.items():
        n = sum(per_lang.get(lang, Counter()).values())
        if n < minimum:
            errors.append(f"lang {lang}: {n} cases, need at least {minimum}")
    lo, hi = DESTRUCTIVE_SHARE
    if total and not lo <= share <= hi:
        errors.append(f"destructive share {share:.1%} outside {lo:.0%}..{hi:.0%}")

    if errors:
        print(f"\n{len(errors)} problem(s):", file=sys.stderr)
        for e in errors:
            print(f"  {e}", file=sys.stderr)
        return 1
    print("\nOK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
