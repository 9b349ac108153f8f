"""Where a change comes from (a patch, git, files, one command) -> ChangeSet."""

from __future__ import annotations

# Past this size a post-image is not analysed as a whole; its hunks still are.
MAX_POST_IMAGE = 4 * 1024 * 1024
