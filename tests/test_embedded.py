"""Embedded code extraction: what each file kind yields, and that positions land on the token."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest
from hypothesis import HealthCheck
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from codeguard.analyze.embedded import file_kind
from codeguard.analyze.embedded import parse_error
from codeguard.analyze.embedded import snippets
from codeguard.analyze.snippet import Snippet


def file_lines(text: str) -> list[str]:
    return [line.removesuffix("\r") for line in text.split("\n")]


def located(snippet: Snippet, token: str, nth: int = 0) -> tuple[int, int]:
    """The file position of the nth occurrence of `token` in the snippet's text."""
    hits = [
        (number, match.start() + 1)
        for number, line in enumerate(snippet.text.split("\n"), start=1)
        for match in re.finditer(re.escape(token), line)
    ]
    assert len(hits) > nth, f"{token!r} not in {snippet.text!r}"
    return snippet.position(*hits[nth])


def points_at(snippet: Snippet, text: str, token: str, nth: int = 0) -> bool:
    """Does the nth `token` of the snippet map onto that token in the file?"""
    line, column = located(snippet, token, nth)
    return file_lines(text)[line - 1][column - 1 : column - 1 + len(token)] == token


def every_line_in_place(snippet: Snippet, text: str) -> bool:
    """Each snippet line is found where its line_map says (a kept continuation backslash
    aside), as for text copied verbatim from the file."""
    lines = file_lines(text)
    for line, (number, column) in zip(snippet.text.split("\n"), snippet.line_map, strict=True):
        if not lines[number - 1][column - 1 :].startswith(line.removesuffix("\\")):
            return False
    return True


def only(found: list[Snippet]) -> Snippet:
    assert len(found) == 1, found
    return found[0]


# --- file kinds ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "kind"),
    [
        ("scripts/deploy.sh", "shell"),
        ("tools/setup.bash", "shell"),
        ("dotfiles/init.zsh", "shell"),
        ("legacy/run.ksh", "shell"),
        ("Dockerfile", "dockerfile"),
        ("services/api/Dockerfile.prod", "dockerfile"),
        ("docker/api.dockerfile", "dockerfile"),
        ("Containerfile", "dockerfile"),
        (".github/workflows/ci.yml", "github-actions"),
        ("./.github/workflows/release.yaml", "github-actions"),
        ("action.yml", "github-actions"),
        ("actions/setup/action.yaml", "github-actions"),
        (".gitlab-ci.yml", "gitlab-ci"),
        ("ci/templates/build.gitlab-ci.yml", "gitlab-ci"),
        ("Makefile", "makefile"),
        ("makefile", "makefile"),
        ("GNUmakefile", "makefile"),
        ("build/rules.mk", "makefile"),
        ("web/package.json", "package-json"),
        ("infra\\prod\\main.tf", "terraform"),
        ("db/migrations/0042_drop_users.sql", "sql"),
        ("app/models.py", "python"),
        ("docker-compose.yml", "compose"),
        ("docker-compose.prod.yml", "compose"),
        ("compose.yaml", "compose"),
        ("README.md", None),
        ("config.yml", None),
        ("workflows/ci.yml", None),
        ("package-lock.json", None),
    ],
)
def test_kind_from_path(path: str, kind: str | None) -> None:
    assert file_kind(path, "") == kind


@pytest.mark.parametrize(
    ("first_line", "kind"),
    [
        ("#!/bin/sh", "shell"),
        ("#!/bin/bash -e", "shell"),
        ("#!/usr/bin/env bash", "shell"),
        ("#!/usr/bin/env -S bash -euo pipefail", "shell"),
        ("#! /bin/dash", "shell"),
        ("#!/bin/ksh\r", "shell"),
        ("#!/usr/bin/zsh", "shell"),
        ("#!/usr/bin/env python3", "python"),
        ("#!/usr/bin/env node", None),
        ("# not a shebang", None),
    ],
)
def test_kind_from_shebang_without_extension(first_line: str, kind: str | None) -> None:
    assert file_kind("bin/deploy", first_line + "\nrm -rf /tmp/x\n") == kind


def test_shebang_is_not_read_when_there_is_an_extension() -> None:
    assert file_kind("notes.txt", "#!/bin/bash\nrm -rf /\n") is None


# --- whole files ----------------------------------------------------------------------------


def test_shell_script_is_one_snippet_of_the_whole_file() -> None:
    text = '#!/usr/bin/env bash\nset -euo pipefail\nrm -rf "$BUILD_DIR"\n'
    snippet = only(snippets("bin/clean", text))
    assert (snippet.language, snippet.text) == ("shell", text)
    assert points_at(snippet, text, "rm")


def test_sql_file_is_one_snippet_and_python_gives_none() -> None:
    sql = "BEGIN;\nDROP TABLE users;\nCOMMIT;\n"
    statements = only(snippets("db/0042.sql", sql))
    assert statements.language == "sql"
    assert points_at(statements, sql, "DROP TABLE")
    assert snippets("app.py", "import shutil\nshutil.rmtree('/')\n") == []
    assert file_kind("app.py", "") == "python"


def test_unknown_kind_gives_nothing() -> None:
    assert snippets("README.md", "rm -rf /") == []
    assert parse_error("README.md", "{") is None


# --- Dockerfile -----------------------------------------------------------------------------

DOCKERFILE = """\
# syntax=docker/dockerfile:1.7
FROM python:3.12-slim AS build
ARG APP_HOME=/srv/app
RUN --mount=type=cache,target=/var/cache/apt \\
    --mount=type=cache,target=/var/lib/apt \\
    apt-get update && \\
    # the build tools only live in this stage
    apt-get install -y --no-install-recommends build-essential && \\

    rm -rf /var/lib/apt/lists/*
RUN ["rm", "-rf", "/usr/share/doc"]
RUN ["/bin/sh", "-c", "rm -rf /tmp/* && echo \\"cleaned\\""]
RUN <<EOF
set -eux
pip wheel --wheel-dir /wheels -r requirements.txt
rm -rf /root/.cache/pip
EOF
RUN cat <<'EOT' > /usr/local/bin/reset && chmod +x /usr/local/bin/reset
#!/bin/sh
rm -rf "$APP_HOME/state"
EOT
COPY <<EOF /etc/motd
RUN rm -rf / is not an instruction here
EOF

FROM python:3.12-slim
ONBUILD RUN rm -rf /srv/app/tmp
HEALTHCHECK --interval=30s --timeout=3s CMD curl -fsS http://localhost:8000/health || exit 1
ENTRYPOINT ["gunicorn", "app:create()"]
CMD rm -f /tmp/app.pid && exec gunicorn app:app
"""


def docker_snippets() -> list[Snippet]:
    return snippets("Dockerfile", DOCKERFILE)


def test_dockerfile_yields_each_command_once() -> None:
    assert [s.origin for s in docker_snippets()] == [
        "Dockerfile RUN",
        "Dockerfile RUN (exec form)",
        "Dockerfile RUN (exec form)",
        "Dockerfile RUN heredoc",
        "Dockerfile RUN",
        "Dockerfile RUN",
        "Dockerfile HEALTHCHECK CMD",
        "Dockerfile ENTRYPOINT (exec form)",
        "Dockerfile CMD",
    ]


def test_dockerfile_continuation_keeps_lines_and_drops_flags_comments_and_blanks() -> None:
    run = docker_snippets()[0]
    assert run.text == (
        "apt-get update && \\\n"
        "    apt-get install -y --no-install-recommends build-essential && \\\n"
        "    rm -rf /var/lib/apt/lists/*"
    )
    assert run.line_map == ((6, 5), (8, 1), (10, 1))
    # joined as Docker joins it, the command is one line
    assert "\n" not in run.text.replace("\\\n", "")
    assert points_at(run, DOCKERFILE, "rm")
    assert points_at(run, DOCKERFILE, "build-essential")
    assert every_line_in_place(run, DOCKERFILE)


def test_dockerfile_exec_form_becomes_a_quoted_command() -> None:
    plain, wrapped = docker_snippets()[1:3]
    assert plain.text == "rm -rf /usr/share/doc"
    assert points_at(plain, DOCKERFILE, "rm")
    assert wrapped.text == "/bin/sh -c 'rm -rf /tmp/* && echo \"cleaned\"'"
    # placed so that the script of `sh -c` maps onto the file
    assert points_at(wrapped, DOCKERFILE, "rm")


def test_dockerfile_heredoc_alone_is_the_script() -> None:
    script = docker_snippets()[3]
    assert script.text.splitlines() == [
        "set -eux",
        "pip wheel --wheel-dir /wheels -r requirements.txt",
        "rm -rf /root/.cache/pip",
    ]
    assert points_at(script, DOCKERFILE, "rm")


def test_dockerfile_heredoc_after_a_command_stays_shell_with_its_body() -> None:
    run = docker_snippets()[4]
    assert run.text.splitlines()[0].startswith("cat <<'EOT' > /usr/local/bin/reset")
    assert run.text.splitlines()[-1] == "EOT"
    assert points_at(run, DOCKERFILE, "rm")
    assert every_line_in_place(run, DOCKERFILE)


def test_dockerfile_copy_heredoc_body_is_not_read_as_instructions() -> None:
    assert not any("is not an instruction" in s.text for s in docker_snippets())


def test_dockerfile_onbuild_healthcheck_and_cmd() -> None:
    onbuild, health, entrypoint, cmd = docker_snippets()[5:]
    assert onbuild.text == "rm -rf /srv/app/tmp"
    assert points_at(onbuild, DOCKERFILE, "rm")
    assert health.text == "curl -fsS http://localhost:8000/health || exit 1"
    assert points_at(health, DOCKERFILE, "curl")
    assert entrypoint.text == "gunicorn 'app:create()'"
    assert points_at(entrypoint, DOCKERFILE, "gunicorn")
    assert points_at(cmd, DOCKERFILE, "rm")


def test_dockerfile_backtick_escape_directive() -> None:
    text = (
        "# escape=`\n"
        "FROM mcr.microsoft.com/windows/servercore:ltsc2022\n"
        "RUN echo cleaning `\n"
        "    && rmdir /S /Q C:\\build\\cache\n"
    )
    run = only(snippets("Dockerfile", text))
    assert run.text == "echo cleaning \\\n    && rmdir /S /Q C:\\build\\cache"
    assert points_at(run, text, "rmdir")


def test_dockerfile_shell_instruction_sets_the_language() -> None:
    text = (
        "FROM mcr.microsoft.com/powershell\n"
        'SHELL ["pwsh", "-Command"]\n'
        "RUN Remove-Item -Recurse -Force C:\\app\n"
        "FROM alpine\n"
        "RUN rm -rf /tmp/x\n"
    )
    first, second = snippets("Dockerfile", text)
    assert (first.language, second.language) == ("powershell", "shell")


def test_dockerfile_heredoc_with_python_shebang() -> None:
    text = "FROM python:3\nRUN <<-EOF\n\t#!/usr/bin/env python3\n\timport shutil\n\tEOF\n"
    script = only(snippets("Dockerfile", text))
    assert script.language == "python"
    assert points_at(script, text, "import")


def test_dockerfile_crlf_and_unterminated_continuation() -> None:
    text = "FROM alpine\r\nRUN apk add curl && \\\r\n    rm -rf /var/cache/apk/* \\\r\n"
    run = only(snippets("Dockerfile", text))
    assert run.text == "apk add curl && \\\n    rm -rf /var/cache/apk/* "
    assert points_at(run, text, "rm")


def test_dockerfile_instruction_words_in_comments_and_invalid_json_exec_form() -> None:
    text = "FROM alpine\n# RUN rm -rf /\nRUN [not json] && rm -rf /x\n"
    run = only(snippets("Dockerfile", text))
    assert run.origin == "Dockerfile RUN"
    assert run.text == "[not json] && rm -rf /x"


# --- GitHub Actions -------------------------------------------------------------------------

WORKFLOW = """\
name: Release
on:
  push:
    tags: ["v*"]
defaults:
  run:
    shell: bash
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - name: Clean previous artifacts
        run: |
          echo "Releasing ${{ github.ref_name }}"
          if [ -d dist ]; then
            rm -rf dist
          fi

          rm -rf build  # stale wheels
      - name: One-liner
        run: rm -rf ~/.cache/pip  # plain scalar with a YAML comment
      - name: Folded
        run: >
          docker build
          --tag app:${{ github.sha }} .

          docker image prune --all --force
      - run: "rm -rf \\"$RUNNER_TEMP/keys\\""
      - run: 'echo ''quoted'' && rm -rf out'
      - shell: python
        run: |
          import shutil
          shutil.rmtree("site")
      - run: |2
            rm -rf kept-indent
  windows:
    runs-on: windows-latest
    defaults:
      run:
        shell: pwsh
    steps:
      - run: Remove-Item -Recurse -Force dist
"""


def workflow_snippets() -> list[Snippet]:
    return snippets(".github/workflows/release.yml", WORKFLOW)


def test_workflow_literal_block_maps_every_line() -> None:
    block = workflow_snippets()[0]
    assert block.language == "shell"
    assert block.origin == "workflow job 'build' step run:"
    assert block.text.startswith('echo "Releasing ${{ github.ref_name }}"\nif [ -d dist ]')
    assert block.line_map[:6] == ((15, 11), (16, 11), (17, 11), (18, 11), (19, 11), (20, 11))
    assert points_at(block, WORKFLOW, "rm -rf dist")
    assert points_at(block, WORKFLOW, "rm -rf build")
    assert points_at(block, WORKFLOW, "${{ github.ref_name }}")
    assert every_line_in_place(block, WORKFLOW)


def test_workflow_plain_scalar_stops_before_the_comment() -> None:
    plain = workflow_snippets()[1]
    assert plain.text == "rm -rf ~/.cache/pip"
    assert points_at(plain, WORKFLOW, "~/.cache/pip")


def test_workflow_folded_block_maps_each_folded_line_to_where_it_starts() -> None:
    folded = workflow_snippets()[2]
    assert folded.text.split("\n")[:2] == [
        "docker build --tag app:${{ github.sha }} .",
        "docker image prune --all --force",
    ]
    assert points_at(folded, WORKFLOW, "docker build")
    assert points_at(folded, WORKFLOW, "prune")


def test_workflow_quoted_scalars_map_to_their_line() -> None:
    double, single = workflow_snippets()[3:5]
    assert double.text == 'rm -rf "$RUNNER_TEMP/keys"'
    assert points_at(double, WORKFLOW, "rm")  # before the first escape: exact
    assert single.text == "echo 'quoted' && rm -rf out"
    line, _ = located(single, "rm")
    assert "rm -rf out" in file_lines(WORKFLOW)[line - 1]


def test_workflow_step_shell_sets_the_language() -> None:
    found = workflow_snippets()
    assert found[5].language == "python"
    assert points_at(found[5], WORKFLOW, "shutil.rmtree")
    assert found[-1].language == "powershell"  # from the job's defaults


def test_workflow_explicit_indentation_indicator() -> None:
    kept = workflow_snippets()[6]
    assert kept.text == "  rm -rf kept-indent\n"
    assert points_at(kept, WORKFLOW, "rm")


def test_composite_action_steps() -> None:
    text = (
        "name: Setup\n"
        "runs:\n"
        "  using: composite\n"
        "  steps:\n"
        "    - shell: bash\n"
        "      run: |\n"
        '        rm -rf "${{ inputs.path }}"\n'
    )
    step = only(snippets("action.yml", text))
    assert step.origin == "composite action step run:"
    assert points_at(step, text, "rm")
    assert points_at(step, text, "${{ inputs.path }}")


def test_workflow_with_crlf_and_byte_order_mark() -> None:
    text = (
        "\ufeffon: push\r\njobs:\r\n  a:\r\n    steps:\r\n      - run: |\r\n          rm -rf x\r\n"
    )
    step = only(snippets(".github/workflows/a.yml", text))
    assert step.text == "rm -rf x\n"
    assert points_at(step, text, "rm")


def test_workflow_anchors_and_merge_keys_are_followed() -> None:
    text = (
        "x-clean: &clean\n"
        "  run: rm -rf dist\n"
        "jobs:\n"
        "  a:\n"
        "    steps:\n"
        "      - <<: *clean\n"
        "      - *clean\n"
    )
    step = only(snippets(".github/workflows/a.yml", text))  # once, at its one place
    assert step.line_map == ((2, 8),)


def test_invalid_yaml_gives_nothing_and_a_reason() -> None:
    text = "jobs:\n  build:\n    steps: [\n"
    assert snippets(".github/workflows/ci.yml", text) == []
    reason = parse_error(".github/workflows/ci.yml", text)
    assert reason is not None
    assert reason.startswith("invalid YAML: ")
    assert "line 4" in reason
    assert "\n" not in reason
    assert parse_error(".github/workflows/ci.yml", WORKFLOW) is None


def test_yaml_that_is_not_a_workflow_gives_nothing() -> None:
    for text in ("", "just a string", "- a\n- b\n", "jobs: [1, 2]\n", "jobs:\n  a: 3\n"):
        assert snippets(".github/workflows/odd.yml", text) == []


# --- GitLab CI ------------------------------------------------------------------------------

GITLAB = """\
stages: [build, deploy]
variables:
  script: "not a job"
default:
  before_script:
    - rm -rf .cache/tmp
.setup: &setup
  - export TARGET_DIR=/srv/app
  - mkdir -p "$TARGET_DIR"
build:
  stage: build
  script:
    - *setup
    - - make dist
      - rm -rf "$TARGET_DIR/releases/old"
    - |
      echo "deploying $CI_COMMIT_SHA"
      rm -rf "$TARGET_DIR/current"
  after_script:
    - rm -f .lock
.reused:
  script:
    - !reference [.setup]
    - rm -rf reused
"""


def test_gitlab_scripts_join_their_items_in_order() -> None:
    found = {s.origin: s for s in snippets(".gitlab-ci.yml", GITLAB)}
    assert set(found) == {
        "GitLab CI default before_script",
        "GitLab CI job 'build' script",
        "GitLab CI job 'build' after_script",
        "GitLab CI job '.reused' script",
    }
    script = found["GitLab CI job 'build' script"]
    assert script.text.split("\n")[:5] == [
        "export TARGET_DIR=/srv/app",
        'mkdir -p "$TARGET_DIR"',
        "make dist",
        'rm -rf "$TARGET_DIR/releases/old"',
        'echo "deploying $CI_COMMIT_SHA"',
    ]
    assert points_at(script, GITLAB, "export")  # at the anchor's definition
    assert points_at(script, GITLAB, "rm -rf", 0)
    assert points_at(script, GITLAB, "rm -rf", 1)
    assert found["GitLab CI job '.reused' script"].text == "rm -rf reused"


def test_gitlab_global_before_script_and_multiple_documents() -> None:
    text = "spec:\n  inputs:\n    env: {}\n---\nbefore_script:\n  - rm -rf vendor\n"
    step = only(snippets("templates/deploy.gitlab-ci.yml", text))
    assert step.origin == "GitLab CI global before_script"
    assert points_at(step, text, "rm")


# --- Makefile -------------------------------------------------------------------------------

MAKEFILE = (
    "# Build and release\n"
    "PREFIX ?= /usr/local\n"
    "SOURCES = main.c \\\n"
    "\tutil.c\n"
    "GIT_SHA != git rev-parse --short HEAD\n"
    "VERSION := $(shell git describe --tags)\n"
    "\n"
    ".PHONY: clean install\n"
    "clean:\n"
    "\t@echo cleaning\n"
    "\t-rm -rf build/ $(DIST_DIR)\n"
    "\t@for f in *.o; do \\\n"
    "\t\trm -f $$f; \\\n"
    "\tdone\n"
    "\n"
    "# comments and conditionals do not end a recipe\n"
    "ifeq ($(OS),Linux)\n"
    "\t+rm -rf /tmp/build-cache\n"
    "endif\n"
    "install: build ; @install -m 755 app $(PREFIX)/bin\n"
    "define uninstall-app\n"
    "\trm -f $(PREFIX)/bin/app\n"
    "endef\n"
)


def make_snippets() -> list[Snippet]:
    return snippets("Makefile", MAKEFILE)


def test_makefile_recipe_lines_are_snippets_with_prefixes_stripped() -> None:
    by_text = {s.text: s for s in make_snippets()}
    assert "echo cleaning" in by_text
    rm = by_text["rm -rf build/ $(DIST_DIR)"]
    assert rm.origin == "Makefile recipe 'clean'"
    assert rm.line_map == ((11, 3),)
    assert points_at(rm, MAKEFILE, "rm")
    assert points_at(rm, MAKEFILE, "$(DIST_DIR)")
    assert points_at(by_text["rm -rf /tmp/build-cache"], MAKEFILE, "rm")


def test_makefile_continued_recipe_line_is_one_snippet_with_dollars_unescaped() -> None:
    loop = next(s for s in make_snippets() if s.text.startswith("for f"))
    assert loop.text == "for f in *.o; do \\\n\trm -f $f; \\\ndone"
    assert loop.line_map == ((12, 3), (13, 2), (14, 2))
    assert points_at(loop, MAKEFILE, "rm")
    assert points_at(loop, MAKEFILE, "done")


def test_makefile_columns_after_a_double_dollar_shift_by_one() -> None:
    text = "clean:\n\trm -rf $$TMPDIR/app && rm -rf out\n"
    recipe = only(snippets("Makefile", text))
    assert recipe.text == "rm -rf $TMPDIR/app && rm -rf out"
    assert points_at(recipe, text, "rm", 0)
    line, column = located(recipe, "rm", 1)
    assert file_lines(text)[line - 1][column : column + 2] == "rm"  # one to the right


def test_makefile_inline_recipe_define_shell_call_and_bang_assignment() -> None:
    by_origin = {s.origin: s for s in make_snippets()}
    inline = by_origin["Makefile recipe 'install'"]
    assert inline.text == "install -m 755 app $(PREFIX)/bin"
    assert points_at(inline, MAKEFILE, "install -m")
    assert points_at(by_origin["Makefile define 'uninstall-app'"], MAKEFILE, "rm")
    assert by_origin["Makefile $(shell ...)"].text == "git describe --tags"
    assert points_at(by_origin["Makefile $(shell ...)"], MAKEFILE, "git")
    assert points_at(by_origin["Makefile != assignment"], MAKEFILE, "git")


def test_makefile_tab_continuation_of_a_variable_is_not_a_recipe() -> None:
    assert not any("util.c" in s.text for s in make_snippets())


def test_makefile_oneshell_makes_one_snippet_per_recipe() -> None:
    text = ".ONESHELL:\ndeploy:\n\tcd /srv/app\n\t@rm -rf current\n"
    recipe = only(snippets("Makefile", text))
    assert recipe.text == "cd /srv/app\nrm -rf current"
    assert points_at(recipe, text, "rm")


def test_makefile_recipe_prefix() -> None:
    text = ".RECIPEPREFIX = >\nclean:\n> rm -rf build\n"
    recipe = only(snippets("Makefile", text))
    assert recipe.text == "rm -rf build"
    assert points_at(recipe, text, "rm")


# --- package.json ---------------------------------------------------------------------------

PACKAGE_JSON = """\
{
  "name": "@acme/web",
  "version": "1.4.0",
  "config": {"scripts": {"not": "rm -rf nested"}},
  "scripts": {
    "clean": "rimraf dist && rm -rf .next",
    "build": "next build",
    "reset": "echo \\"resetting\\" && rm -rf node_modules",
    "multi": "set -e\\nrm -rf coverage",
    "unicode": "echo \\u00e9t\\u00e9 && rm -rf tmp"
  },
  "devDependencies": {"rimraf": "^5.0.0"}
}
"""


def test_package_json_scripts_are_mapped_to_their_strings() -> None:
    found = {s.origin: s for s in snippets("package.json", PACKAGE_JSON)}
    assert list(found) == [
        "package.json script 'clean'",
        "package.json script 'build'",
        "package.json script 'reset'",
        "package.json script 'multi'",
        "package.json script 'unicode'",
    ]
    clean = found["package.json script 'clean'"]
    assert clean.text == "rimraf dist && rm -rf .next"
    assert points_at(clean, PACKAGE_JSON, "rm -rf")
    assert found["package.json script 'reset'"].text == 'echo "resetting" && rm -rf node_modules'
    assert points_at(found["package.json script 'reset'"], PACKAGE_JSON, "echo")


def test_package_json_escaped_newline_starts_a_mapped_line() -> None:
    multi = next(s for s in snippets("package.json", PACKAGE_JSON) if "coverage" in s.text)
    assert multi.text == "set -e\nrm -rf coverage"
    assert points_at(multi, PACKAGE_JSON, "rm")  # after the `\n` escape, exact again


def test_package_json_invalid_and_odd_shapes() -> None:
    assert snippets("package.json", '{"scripts": {"a": "rm -rf /"}') == []
    reason = parse_error("package.json", '{"scripts": {"a": "rm -rf /"}')
    assert reason is not None
    assert reason.startswith("invalid JSON: ")
    assert "line 1" in reason
    for text in ("[]", '{"scripts": []}', '{"scripts": {"a": 1}}', '"x"'):
        assert snippets("package.json", text) == []
        assert parse_error("package.json", text) is None


def test_package_json_with_byte_order_mark() -> None:
    text = '\ufeff{"scripts": {"clean": "rm -rf dist"}}'
    assert parse_error("package.json", text) is None
    assert points_at(only(snippets("package.json", text)), text, "rm")


# --- docker-compose -------------------------------------------------------------------------

COMPOSE = """\
x-worker: &worker
  image: acme/worker:1.8
  command: celery -A app worker --loglevel=info
services:
  web:
    image: acme/web:1.8
    command: >
      sh -c "python manage.py migrate &&
      rm -rf /tmp/uploads/*"
    healthcheck:
      test: ["CMD-SHELL", "curl -f http://localhost:8000/ || exit 1"]
  cleaner:
    image: alpine:3.20
    entrypoint: ["sh", "-c", "rm -rf /data/cache/*"]
    healthcheck:
      test: ["CMD", "test", "-f", "/tmp/ready"]
  db:
    image: postgres:16
    healthcheck:
      test: pg_isready -U postgres
  worker-a:
    <<: *worker
  worker-b:
    <<: *worker
"""


def test_compose_commands_entrypoints_and_healthchecks() -> None:
    found = {s.origin: s for s in snippets("docker-compose.yml", COMPOSE)}
    web = found["compose service 'web' command"]
    assert web.text == 'sh -c "python manage.py migrate && rm -rf /tmp/uploads/*"\n'
    assert points_at(web, COMPOSE, "sh -c")
    cleaner = found["compose service 'cleaner' entrypoint"]
    assert cleaner.text == "sh -c 'rm -rf /data/cache/*'"
    assert points_at(cleaner, COMPOSE, "rm")
    health = found["compose service 'web' healthcheck"]
    assert health.text == "curl -f http://localhost:8000/ || exit 1"
    assert points_at(health, COMPOSE, "curl")
    assert found["compose service 'cleaner' healthcheck"].text == "test -f /tmp/ready"
    assert points_at(found["compose service 'db' healthcheck"], COMPOSE, "pg_isready")


def test_compose_merged_command_is_reported_once_where_it_is_written() -> None:
    celery = [s for s in snippets("compose.yaml", COMPOSE) if s.text.startswith("celery")]
    assert len(celery) == 1
    assert celery[0].line_map == ((3, 12),)


def test_compose_block_list_command() -> None:
    text = "services:\n  job:\n    command:\n      - bash\n      - -ec\n      - |\n        rm -rf /work/*\n        echo done\n"
    job = only(snippets("compose.yml", text))
    assert job.text == "bash -ec 'rm -rf /work/*\necho done\n'"
    assert points_at(job, text, "echo")  # later lines map to their line of the script


# --- Terraform ------------------------------------------------------------------------------

TERRAFORM = """\
resource "null_resource" "cleanup" {
  triggers = { always = timestamp() }

  # provisioner "local-exec" { command = "rm -rf /commented/out" }
  provisioner "local-exec" {
    command = "rm -rf ${path.module}/build && echo \\"${join(",", var.names)}\\" done"
  }

  provisioner "local-exec" {
    when    = destroy
    command = <<-EOT
      set -e
      rm -rf /var/lib/app/state
    EOT
  }

  provisioner "local-exec" {
    interpreter = ["PowerShell", "-Command"]
    command     = "Remove-Item -Recurse C:/build"
  }

  provisioner "remote-exec" {
    connection {
      type = "ssh"
      host = self.public_ip
    }
    inline = [
      "export APP_DIR=/opt/app",
      "rm -rf $APP_DIR/releases/*",
    ]
  }
}

resource "aws_instance" "web" {
  user_data = "provisioner \\"local-exec\\" { command = \\"rm -rf /x\\" }"
  provisioner "local-exec" { command = <<EOT
rm -f /tmp/web.lock
EOT
  }
}
"""


def terraform_snippets() -> list[Snippet]:
    return snippets("infra/main.tf", TERRAFORM)


def test_terraform_provisioners() -> None:
    found = terraform_snippets()
    assert [s.origin for s in found] == [
        "Terraform local-exec command",
        "Terraform local-exec command",
        "Terraform local-exec command",
        "Terraform remote-exec inline",
        "Terraform local-exec command",
    ]
    assert not any("/commented/out" in s.text or "/x" in s.text for s in found)


def test_terraform_string_with_interpolation_and_escaped_quotes() -> None:
    command = terraform_snippets()[0]
    assert command.text == 'rm -rf ${path.module}/build && echo "${join(",", var.names)}" done'
    assert points_at(command, TERRAFORM, "rm")
    assert points_at(command, TERRAFORM, "${path.module}")


def test_terraform_indented_heredoc() -> None:
    heredoc = terraform_snippets()[1]
    assert heredoc.text == "set -e\nrm -rf /var/lib/app/state"
    assert heredoc.line_map == ((12, 7), (13, 7))
    assert points_at(heredoc, TERRAFORM, "rm")


def test_terraform_interpreter_and_inline() -> None:
    powershell, inline = terraform_snippets()[2:4]
    assert powershell.language == "powershell"
    assert inline.text == "export APP_DIR=/opt/app\nrm -rf $APP_DIR/releases/*"
    assert points_at(inline, TERRAFORM, "rm")
    assert points_at(inline, TERRAFORM, "export")


def test_terraform_one_line_block_with_plain_heredoc() -> None:
    last = terraform_snippets()[-1]
    assert last.text == "rm -f /tmp/web.lock"
    assert points_at(last, TERRAFORM, "rm")


# --- properties -----------------------------------------------------------------------------

KIND_PATHS = [
    "deploy.sh",
    "bin/deploy",
    "Dockerfile",
    ".github/workflows/ci.yml",
    ".gitlab-ci.yml",
    "Makefile",
    "package.json",
    "compose.yaml",
    "main.tf",
    "schema.sql",
    "app.py",
]
SYNTAX = st.sampled_from(
    [
        *"\t\n\r \\\"'`$@-+:;=#[]{}(),<>|&*!%",
        "RUN ",
        "CMD [",
        "<<EOF\n",
        "EOF",
        "<<-EOT\n",
        "EOT",
        "${",
        "$$",
        "run: ",
        "- ",
        "|\n",
        ">\n",
        "script:",
        "jobs:\n  a:\n    steps:\n      - run: ",
        "services:\n  s:\n    command: ",
        '{"scripts": {"a": "',
        '\\"',
        "\\n",
        'provisioner "local-exec" {\n command = ',
        "inline = [",
        "clean:\n\t",
        "define x\n",
        ".ONESHELL:\n",
        "&a ",
        "*a",
        "<<: *a\n",
        "\ufeff",
        "\u2028",
        "\x85",
    ]
)
HOSTILE_TEXT = st.one_of(st.text(), st.lists(SYNTAX | st.characters(), max_size=50).map("".join))


def assert_well_formed(snippet: Snippet, text: str) -> None:
    count = text.count("\n") + 1
    assert len(snippet.line_map) == snippet.text.count("\n") + 1
    for line, column in snippet.line_map:
        assert 1 <= line <= count
        assert column >= 1


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(path=st.sampled_from(KIND_PATHS), text=HOSTILE_TEXT)
def test_any_text_of_any_kind_never_raises_and_maps_inside_the_file(path: str, text: str) -> None:
    reason = parse_error(path, text)
    assert reason is None or "\n" not in reason
    for snippet in snippets(path, text):
        assert_well_formed(snippet, text)


SHELL_LINE = (
    st.lists(
        st.sampled_from([*"abcxyz019 -_./*~=&|;'\"(){}<>", "rm -rf ", "${{ a.b }}"]), max_size=12
    )
    .map("".join)
    .filter(lambda line: line.strip() and not line.startswith((" ", "#")) and "$$" not in line)
)


@settings(max_examples=100, deadline=None)
@given(
    lines=st.lists(SHELL_LINE, min_size=1, max_size=6),
    indent=st.integers(min_value=0, max_value=6),
    extra=st.lists(st.integers(min_value=0, max_value=3), min_size=6, max_size=6),
)
def test_literal_block_lines_map_exactly_whatever_the_indentation(
    lines: list[str], indent: int, extra: list[int]
) -> None:
    # deeper than `run` (column 9); the first line sets the block's indentation
    body = "".join(
        f"{' ' * (indent + 10 + e)}{line.rstrip()}\n"
        for line, e in zip(lines, [0, *extra], strict=False)
    )
    pad = " " * indent
    text = f"jobs:\n{pad}  a:\n{pad}    steps:\n{pad}      - run: |\n{body}"
    assert parse_error(".github/workflows/p.yml", text) is None  # block content is raw text
    assert every_line_in_place(only(snippets(".github/workflows/p.yml", text)), text)


@settings(max_examples=100, deadline=None)
@given(
    lines=st.lists(SHELL_LINE, min_size=1, max_size=4),
    flags=st.sampled_from(["", "@", "-", "@-", "+ "]),
)
def test_makefile_recipe_lines_map_exactly(lines: list[str], flags: str) -> None:
    recipe = "".join(f"\t{flags}run {line.rstrip().rstrip(chr(92))}\n" for line in lines)
    text = f"all: deps\n{recipe}"
    found = snippets("Makefile", text)
    assert len(found) >= len(lines)
    for snippet in found:
        assert every_line_in_place(snippet, text)


@settings(max_examples=100, deadline=None)
@given(scripts=st.dictionaries(st.text(min_size=1, max_size=8), st.text(max_size=30), max_size=4))
def test_package_json_scripts_round_trip(scripts: dict[str, str]) -> None:
    text = json.dumps({"name": "x", "scripts": scripts}, indent=2)
    found = snippets("package.json", text)
    assert [s.text for s in found] == [v for v in scripts.values() if v.strip()]
    for snippet in found:
        assert_well_formed(snippet, text)
        line, column = snippet.line_map[0]
        assert file_lines(text)[line - 1][column - 2] == '"'  # just inside the opening quote
        for line, column in snippet.line_map[1:]:
            assert file_lines(text)[line - 1][column - 3 : column - 1] == "\\n"  # after `\n`


def test_module_imports_only_the_standard_library() -> None:
    code = "import sys, codeguard.analyze.embedded; print('yaml' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
