#!/bin/sh
# codeguard's git hook: installed as pre-commit it scans the staged change, installed as
# pre-push it scans the pushed commits; a blocking finding stops the commit or push.
#   install: codeguard install --git-hook    (bakes in codeguard's path, keeps your hook)
#   remove:  codeguard uninstall --git-hook  (puts your hook back as it was)
#   by hand: copy this file to .git/hooks/pre-commit (or pre-push), chmod +x
#
# A guardrail that silently vanishes is worse than none, so a missing codeguard fails
# the hook. CODEGUARD_SKIP=1 skips the scan once, with a warning (the hook you had
# before still runs); `git commit --no-verify` / `git push --no-verify` skip every hook.
#
# codeguard-git-hook: this line marks the file as codeguard's; keep it.

# Written by `codeguard install --git-hook`; empty: find codeguard on PATH.
CODEGUARD=''

hook=${0##*/}
case $hook in
pre-push*) source=--pre-push ;;
*) source=--staged ;;
esac

refs=''
if [ "$source" = --pre-push ]; then
    # git writes the pushed refs on stdin once; the chained hook and codeguard both read them
    refs=$(cat)
fi
feed() {
    if [ -n "$refs" ]; then printf '%s\n' "$refs"; fi
}

# The hook that was here before codeguard's: it runs first, and both must pass.
chained="$0.codeguard-chained"
if [ -x "$chained" ]; then
    feed | "$chained" "$@" || exit $?
fi

if [ "${CODEGUARD_SKIP:-}" = 1 ]; then
    echo "codeguard: warning: CODEGUARD_SKIP=1: $hook scan skipped, nothing was checked" >&2
    exit 0
fi

exe=$CODEGUARD
if [ -z "$exe" ] || [ ! -x "$exe" ]; then
    if [ -n "$exe" ]; then
        echo "codeguard: warning: $exe is gone; looking for codeguard on PATH" >&2
    fi
    exe=$(command -v codeguard) || exe=''
fi
if [ -z "$exe" ]; then
    echo "codeguard: error: codeguard not found${CODEGUARD:+ at $CODEGUARD} or on PATH;" \
        "the $hook hook fails closed" >&2
    echo "codeguard: reinstall codeguard, remove this hook ($0), or skip once" \
        "with CODEGUARD_SKIP=1" >&2
    exit 2
fi
# the report goes to stderr, as git does for a pre-commit hook: a pre-push hook's stdout
# is `git push --porcelain`'s
feed | "$exe" scan "$source" >&2
