#!/usr/bin/env python3
"""Validate the labelled insecure-code corpus in this directory.

Run with the project venv:  /work/main/.venv/bin/python tests/data/security/check_corpus.py

Snippets (snippets/*.yaml):
  * every file is a list of mappings with the required keys and no unknown keys;
  * ids are unique across snippets and diffs and look like ``abc-123``;
  * ``cwe`` looks like ``CWE-<n>``; ``label`` is vulnerable|safe; ``why`` is one line;
  * ``tags`` use the allowed values (lookalike only on safe cases, subtle only on
    vulnerable ones; debatable on either);
  * ``code`` parses with ``ast.parse`` and is 5-40 lines;
  * a vulnerable case lists ``lines`` (1-based, inside the code); a safe case has none;
  * every CWE has at least one vulnerable and one safe case.

Diffs (diffs/*.diff + diffs/cases.yaml):
  * every case has a .diff and every .diff has a case;
  * each diff parses as a git unified diff: ``diff --git`` header, ``---``/``+++`` headers,
    hunk headers whose line counts match the body, ascending non-overlapping hunks, the
    ``+++`` path equal to the case's ``path``;
  * ``expected_lines`` are new-side lines shown in a hunk (added lines, or context lines
    for ``removes_check``); vulnerable <=> non-empty;
  * ``preexisting_lines`` are unchanged context lines in a hunk; every ``context_flaw`` case
    has at least one and is labelled safe;
  * ``fixed_lines`` are old-side lines shown in a hunk;
  * ``imports_visible`` matches the hunks.

Corpus minimums: >= 280 snippets with 40-60 % vulnerable, >= 65 diffs, >= 25 context_flaw
diffs. Prints counts per CWE and label, and diffs per kind. Exits 1 when a check fails.
Only the standard library and PyYAML are used.
"""

from __future__ import annotations

import ast
import re
import sys
from collections import Counter, defaultdict
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
SNIPPETS = HERE / "snippets"
DIFFS = HERE / "diffs"

ID_RE = re.compile(r"^[a-z]+(-[a-z]+)*-\d{3}$")
CWE_RE = re.compile(r"^CWE-\d+$")
LABELS = ("vulnerable", "safe")
SNIPPET_REQUIRED = {"id", "cwe", "label", "why", "code"}
SNIPPET_OPTIONAL = {"tags", "lines"}
TAGS = {"lookalike", "debatable", "subtle", "archive"}
SAFE_ONLY_TAGS = {"lookalike"}
VULN_ONLY_TAGS = {"subtle"}

DIFF_REQUIRED = {"id", "cwe", "label", "kind", "why", "path", "expected_lines",
                 "preexisting_lines", "fixed_lines", "imports_visible"}
DIFF_OPTIONAL = {"tags"}
KINDS = {"context_flaw", "adds_flaw", "makes_unsafe", "removes_check", "fixes_flaw",
         "safe_change", "new_file"}
KIND_LABEL = {"context_flaw": "safe", "adds_flaw": "vulnerable", "makes_unsafe": "vulnerable",
              "removes_check": "vulnerable", "fixes_flaw": "safe", "safe_change": "safe"}
DIFF_TAGS = {"same_statement", "flaw_in_context", "guard_added"}

MIN_SNIPPETS = 280
MIN_DIFFS = 65
MIN_CONTEXT_FLAW = 25

HUNK_RE = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@(.*)$")
IMPORT_RE = re.compile(r"(import|from)\s+\S")
EXT_HEADER_RE = re.compile(
    r"^(index [0-9a-f]+\.\.[0-9a-f]+( \d+)?|(old|new) mode \d+|deleted file mode \d+)$"
)

errors: list[str] = []


def err(msg: str) -> None:
    errors.append(msg)


def one_line(value) -> bool:
    return isinstance(value, str) and value.strip() != "" and "\n" not in value.strip()


# ----------------------------------------------------------------------------- snippets

def check_snippets(seen_ids: set[str]) -> list[dict]:
    cases: list[dict] = []
    files = sorted(SNIPPETS.glob("*.yaml"))
    if not files:
        err("no snippet files found")
    for path in files:
        try:
            data = yaml.safe_load(path.read_text())
        except yaml.YAMLError as exc:
            err(f"{path.name}: invalid YAML: {exc}")
            continue
        if not isinstance(data, list):
            err(f"{path.name}: top level must be a list")
            continue
        for i, case in enumerate(data):
            where = f"{path.name}[{i}]"
            if not isinstance(case, dict):
                err(f"{where}: not a mapping")
                continue
            cid = case.get("id")
            where = f"{path.name}:{cid}"
            keys = set(case)
            if SNIPPET_REQUIRED - keys:
                err(f"{where}: missing keys {sorted(SNIPPET_REQUIRED - keys)}")
                continue
            if keys - SNIPPET_REQUIRED - SNIPPET_OPTIONAL:
                err(f"{where}: unknown keys {sorted(keys - SNIPPET_REQUIRED - SNIPPET_OPTIONAL)}")
            if not isinstance(cid, str) or not ID_RE.match(cid):
                err(f"{where}: bad id")
            elif cid in seen_ids:
                err(f"{where}: duplicate id")
            else:
                seen_ids.add(cid)
            if not isinstance(case["cwe"], str) or not CWE_RE.match(case["cwe"]):
                err(f"{where}: bad cwe {case['cwe']!r}")
            label = case["label"]
            if label not in LABELS:
                err(f"{where}: bad label {label!r}")
            if not one_line(case["why"]):
                err(f"{where}: why must be one non-empty line")
            tags = case.get("tags", [])
            if not isinstance(tags, list) or not set(tags) <= TAGS:
                err(f"{where}: bad tags {tags!r}")
                tags = []
            if label == "vulnerable" and set(tags) & SAFE_ONLY_TAGS:
                err(f"{where}: {sorted(set(tags) & SAFE_ONLY_TAGS)} only allowed on safe cases")
            if label == "safe" and set(tags) & VULN_ONLY_TAGS:
                err(f"{where}: {sorted(set(tags) & VULN_ONLY_TAGS)} only allowed on vulnerable cases")
            code = case["code"]
            if not isinstance(code, str) or not code.strip():
                err(f"{where}: empty code")
                continue
            try:
                ast.parse(code, filename="snippet.py")
            except SyntaxError as exc:
                err(f"{where}: code does not parse: {exc}")
            n_lines = len(code.rstrip("\n").splitlines())
            if not 5 <= n_lines <= 40:
                err(f"{where}: code has {n_lines} lines (want 5-40)")
            lines = case.get("lines")
            if label == "vulnerable":
                if not isinstance(lines, list) or not lines:
                    err(f"{where}: vulnerable case needs non-empty lines")
                elif not all(isinstance(n, int) and 1 <= n <= n_lines for n in lines):
                    err(f"{where}: lines {lines} outside 1..{n_lines}")
                else:
                    code_lines = code.splitlines()
                    for n in lines:
                        if not code_lines[n - 1].strip():
                            err(f"{where}: line {n} is blank")
            elif lines:
                err(f"{where}: safe case must not list lines")
            case["_file"] = path.name
            cases.append(case)
    return cases


# ----------------------------------------------------------------------------- diffs

def parse_diff(text: str, where: str) -> dict | None:
    """Parse a single-file git diff. Returns paths and per-line maps of the hunks."""
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    else:
        err(f"{where}: diff does not end with a newline")
    if not lines or not lines[0].startswith("diff --git a/"):
        err(f"{where}: missing 'diff --git' header")
        return None
    i = 1
    new_file = False
    while i < len(lines) and not lines[i].startswith("--- "):
        if lines[i].startswith("new file mode"):
            new_file = True
        elif not EXT_HEADER_RE.match(lines[i]):
            err(f"{where}: unexpected extended header {lines[i]!r}")
        i += 1
    if i + 1 >= len(lines) or not lines[i + 1].startswith("+++ "):
        err(f"{where}: missing ---/+++ headers")
        return None
    old_path, new_path = lines[i][4:], lines[i + 1][4:]
    if new_file and old_path != "/dev/null":
        err(f"{where}: new file but --- is {old_path!r}")
    if not new_file and not old_path.startswith("a/"):
        err(f"{where}: bad --- path {old_path!r}")
    if not new_path.startswith("b/"):
        err(f"{where}: bad +++ path {new_path!r}")
    i += 2
    added: dict[int, str] = {}
    context_new: dict[int, str] = {}
    removed: dict[int, str] = {}
    context_old: dict[int, str] = {}
    hunks = 0
    last_old_end = last_new_end = 0
    while i < len(lines):
        m = HUNK_RE.match(lines[i])
        if not m:
            err(f"{where}: expected hunk header at diff line {i + 1}: {lines[i]!r}")
            return None
        hunks += 1
        old_start, old_count = int(m.group(1)), int(m.group(2) or 1)
        new_start, new_count = int(m.group(3)), int(m.group(4) or 1)
        if (old_count and old_start <= last_old_end) or (new_count and new_start <= last_new_end):
            err(f"{where}: hunk {hunks} overlaps or is out of order")
        i += 1
        o, n = old_start, new_start
        seen_old = seen_new = 0
        while i < len(lines) and not lines[i].startswith("@@ "):
            line = lines[i]
            tag, body = line[:1], line[1:]
            if line == "\\ No newline at end of file":
                pass
            elif tag == " ":
                context_old[o] = body
                context_new[n] = body
                o += 1
                n += 1
                seen_old += 1
                seen_new += 1
            elif tag == "-":
                removed[o] = body
                o += 1
                seen_old += 1
            elif tag == "+":
                added[n] = body
                n += 1
                seen_new += 1
            else:
                err(f"{where}: bad hunk line {line!r}")
            i += 1
        if seen_old != old_count or seen_new != new_count:
            err(f"{where}: hunk {hunks} header says -{old_count} +{new_count} "
                f"but body has -{seen_old} +{seen_new}")
        last_old_end = old_start + old_count - 1
        last_new_end = new_start + new_count - 1
    if hunks == 0:
        err(f"{where}: no hunks")
    return {"old_path": old_path, "new_path": new_path, "new_file": new_file, "hunks": hunks,
            "added": added, "context_new": context_new, "removed": removed,
            "context_old": context_old}


def check_diffs(seen_ids: set[str]) -> list[dict]:
    cases_path = DIFFS / "cases.yaml"
    if not cases_path.exists():
        err("diffs/cases.yaml missing")
        return []
    data = yaml.safe_load(cases_path.read_text())
    if not isinstance(data, list):
        err("diffs/cases.yaml: top level must be a list")
        return []
    diff_files = {p.stem for p in DIFFS.glob("*.diff")}
    case_ids = set()
    out = []
    for i, case in enumerate(data):
        where = f"cases.yaml[{i}]"
        if not isinstance(case, dict):
            err(f"{where}: not a mapping")
            continue
        cid = case.get("id")
        where = f"diffs:{cid}"
        keys = set(case)
        if DIFF_REQUIRED - keys:
            err(f"{where}: missing keys {sorted(DIFF_REQUIRED - keys)}")
            continue
        if keys - DIFF_REQUIRED - DIFF_OPTIONAL:
            err(f"{where}: unknown keys {sorted(keys - DIFF_REQUIRED - DIFF_OPTIONAL)}")
        if not isinstance(cid, str) or not ID_RE.match(cid):
            err(f"{where}: bad id")
            continue
        if cid in seen_ids:
            err(f"{where}: duplicate id")
        seen_ids.add(cid)
        case_ids.add(cid)
        if not CWE_RE.match(str(case["cwe"])):
            err(f"{where}: bad cwe")
        label, kind = case["label"], case["kind"]
        if label not in LABELS:
            err(f"{where}: bad label {label!r}")
        if kind not in KINDS:
            err(f"{where}: bad kind {kind!r}")
        elif kind in KIND_LABEL and KIND_LABEL[kind] != label:
            err(f"{where}: kind {kind} must be labelled {KIND_LABEL[kind]}")
        if not one_line(case["why"]):
            err(f"{where}: why must be one non-empty line")
        if not set(case.get("tags", [])) <= DIFF_TAGS:
            err(f"{where}: bad tags {case.get('tags')!r}")
        exp, pre, fixed = case["expected_lines"], case["preexisting_lines"], case["fixed_lines"]
        for name, val in (("expected_lines", exp), ("preexisting_lines", pre), ("fixed_lines", fixed)):
            if not isinstance(val, list) or not all(isinstance(n, int) and n > 0 for n in val):
                err(f"{where}: {name} must be a list of positive ints")
        if (label == "vulnerable") != bool(exp):
            err(f"{where}: vulnerable <=> non-empty expected_lines (label {label}, lines {exp})")
        if kind == "context_flaw" and not pre:
            err(f"{where}: context_flaw case needs preexisting_lines")
        dpath = DIFFS / f"{cid}.diff"
        if not dpath.exists():
            err(f"{where}: {dpath.name} missing")
            continue
        parsed = parse_diff(dpath.read_text(), dpath.name)
        if parsed is None:
            continue
        if parsed["new_path"] != "b/" + case["path"]:
            err(f"{where}: +++ path {parsed['new_path']!r} != b/{case['path']}")
        if (kind == "new_file") != parsed["new_file"]:
            err(f"{where}: kind {kind} but new_file={parsed['new_file']}")
        for n in exp:
            if n in parsed["added"]:
                continue
            if n in parsed["context_new"] and kind == "removes_check":
                continue
            err(f"{where}: expected line {n} is not an added line"
                + (" (context lines only allowed for removes_check)" if n in parsed["context_new"] else ""))
        for n in pre:
            if n not in parsed["context_new"]:
                err(f"{where}: preexisting line {n} is not an unchanged context line in a hunk")
        for n in fixed:
            if n not in parsed["removed"] and n not in parsed["context_old"]:
                err(f"{where}: fixed line {n} is not shown on the old side")
        visible = any(IMPORT_RE.match(body) for body in
                      list(parsed["added"].values()) + list(parsed["context_new"].values()))
        if visible != case["imports_visible"]:
            err(f"{where}: imports_visible is {case['imports_visible']} but hunks say {visible}")
        case["_hunks"] = parsed["hunks"]
        out.append(case)
    for stem in sorted(diff_files - case_ids):
        err(f"diffs/{stem}.diff has no entry in cases.yaml")
    return out


# ----------------------------------------------------------------------------- report

def main() -> int:
    seen: set[str] = set()
    snippets = check_snippets(seen)
    diffs = check_diffs(seen)

    per_cwe: dict[str, Counter] = defaultdict(Counter)
    for c in snippets:
        per_cwe[c["cwe"]][c["label"]] += 1
    labels = Counter(c["label"] for c in snippets)
    per_file = Counter(c["_file"] for c in snippets)
    tags = Counter(t for c in snippets for t in c.get("tags", []))

    for cwe, cnt in per_cwe.items():
        if not cnt["vulnerable"] or not cnt["safe"]:
            err(f"{cwe}: needs both vulnerable and safe snippets (has {dict(cnt)})")
    total = len(snippets)
    if total < MIN_SNIPPETS:
        err(f"only {total} snippets (want >= {MIN_SNIPPETS})")
    if total and not 0.4 <= labels["vulnerable"] / total <= 0.6:
        err(f"vulnerable share {labels['vulnerable'] / total:.0%} outside 40-60 %")
    kinds = Counter(d["kind"] for d in diffs)
    if len(diffs) < MIN_DIFFS:
        err(f"only {len(diffs)} diffs (want >= {MIN_DIFFS})")
    if kinds["context_flaw"] < MIN_CONTEXT_FLAW:
        err(f"only {kinds['context_flaw']} context_flaw diffs (want >= {MIN_CONTEXT_FLAW})")

    def cwe_key(s: str) -> int:
        return int(s.split("-")[1])

    print(f"snippets: {total}  ({labels['vulnerable']} vulnerable, {labels['safe']} safe)")
    print("  per file: " + ", ".join(f"{k} {v}" for k, v in sorted(per_file.items())))
    print("  tags: " + ", ".join(f"{k} {v}" for k, v in sorted(tags.items())))
    print(f"  CWEs: {len(per_cwe)}")
    print(f"  {'CWE':<10} {'vuln':>5} {'safe':>5}")
    for cwe in sorted(per_cwe, key=cwe_key):
        print(f"  {cwe:<10} {per_cwe[cwe]['vulnerable']:>5} {per_cwe[cwe]['safe']:>5}")

    dlabels = Counter(d["label"] for d in diffs)
    print(f"diffs: {len(diffs)}  ({dlabels['vulnerable']} vulnerable, {dlabels['safe']} safe)")
    for kind in sorted(kinds):
        lab = Counter(d["label"] for d in diffs if d["kind"] == kind)
        print(f"  {kind:<14} {kinds[kind]:>3}  " + ", ".join(f"{k} {v}" for k, v in sorted(lab.items())))
    with_pre = sum(1 for d in diffs if d["preexisting_lines"])
    safe_pre = sum(1 for d in diffs if d["preexisting_lines"] and d["label"] == "safe")
    print(f"  with pre-existing context flaws: {with_pre} ({safe_pre} labelled safe)")
    print(f"  imports visible in hunks: {sum(d['imports_visible'] for d in diffs)}, "
          f"not visible: {sum(not d['imports_visible'] for d in diffs)}")
    print(f"  multi-hunk diffs: {sum(d['_hunks'] > 1 for d in diffs)}")
    dcwe = Counter(d["cwe"] for d in diffs)
    print("  per CWE: " + ", ".join(f"{k} {dcwe[k]}" for k in sorted(dcwe, key=cwe_key)))

    if errors:
        print(f"\n{len(errors)} problem(s):", file=sys.stderr)
        for e in errors:
            print("  " + e, file=sys.stderr)
        return 1
    print("\nOK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
