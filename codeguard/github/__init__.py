"""The pull-request gate: `codeguard scan --pr` inside GitHub Actions.

`context` reads the Actions environment and the event, `checkout` makes sure the base and
head commits are present (shallow clones) and materialises the configuration from the
BASE commit (a pull request cannot change the rules it is judged by), `diffmap` knows
which lines GitHub accepts review comments on, and `publish` posts the check run,
review comments, the summary comment, a status fallback and the job summary through
PyGithub, or degrades to workflow-command annotations when the token cannot write.
"""
