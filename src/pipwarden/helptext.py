"""Help texts shared by several commands: one wording for each default and the exit codes
(the README quotes the same table)."""

from __future__ import annotations

__all__ = [
    "AUDIT_FORMATS",
    "EXIT_CODES_EPILOG",
    "FAIL_ON_HELP",
    "MAX_DB_AGE_HELP",
    "TEXT_FORMATS",
]

TEXT_FORMATS = ("text", "json", "markdown")
AUDIT_FORMATS = ("text", "json", "markdown", "sarif", "html", "cyclonedx")
MAX_DB_AGE_HELP = (
    "accept vulnerability data up to AGE old for this run (7d, 12h, 2w, or any; "
    "default: the policy's max-db-age, else 7d), e.g. to audit against a recorded archive"
)
# One default for check and audit, as in the README and the template policy.
FAIL_ON_HELP = (
    "lowest known severity that fails: low, medium, high, critical or malicious (default: "
    "the policy's fail-on, else low). Order: known malicious > unknown > critical > high > "
    "medium > low; unknown severity fails whatever this is, unless the policy sets "
    'unknown-severity = "warn"'
)


#: The exit code table, shown at the end of every ``--help`` (and in the README).
EXIT_CODES_EPILOG = """\
exit codes:
  0  clean: everything was read and checked, nothing at or above fail-on
  1  findings (at or above fail-on, or of unknown severity unless unknown-severity =
     "warn"), or something not checked (a file pipwarden cannot read, a package it
     cannot judge) that the policy does not accept (allow-unread = [globs])
  2  bad input or usage: a malformed file (named, with its line), a wrong argument
  3  data unavailable: no network, missing or stale vulnerability database
  4  internal error: a bug in pipwarden (one line on stderr; -vv shows the traceback)
"""
