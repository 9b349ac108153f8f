"""The errors codeguard expects, each with the exit code the CLI turns it into."""

from __future__ import annotations

EXIT_PASS = 0
EXIT_BLOCK = 1
EXIT_USAGE = 2
EXIT_ERROR = 3
EXIT_INTERRUPTED = 130


class CodeguardError(Exception):
    """An expected failure with a one-line message for the user; never a traceback."""

    exit_code = EXIT_USAGE


class UsageError(CodeguardError):
    """Bad flags or arguments."""


class InputError(CodeguardError):
    """Input codeguard cannot read: a missing path, a file that is not a diff."""


class ConfigError(CodeguardError):
    """An invalid configuration file; the message names the file and the key."""


class RuleError(CodeguardError):
    """An invalid rule file; the message names the file and the key."""


class GitError(CodeguardError):
    """git refused: not a repository, a bad revision or range."""


class StageError(CodeguardError):
    """A stage could not finish; recorded as a failure in the report."""

    exit_code = EXIT_ERROR
