"""PW2xx: where pip downloads from. One trusted https index, no credentials in the file."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from urllib.parse import urlsplit

from pipwarden.lint.engine import Finding, LintContext, rule
from pipwarden.redact import redact_url
from pipwarden.sources.requirements import OptionLine

__all__ = ["check_indexes", "has_credentials"]

rule(
    "PW201",
    "extra-index-url",
    "--extra-index-url: pip takes the highest version from any index (dependency confusion)",
    level="error",
)
rule("PW202", "insecure-index", "an index or find-links URL over plain http", level="error")
rule("PW203", "trusted-host", "--trusted-host turns off TLS verification for a host", level="error")
rule("PW204", "index-credentials", "credentials written inside an index URL", level="error")

_INDEX_OPTIONS = {"--index-url", "--extra-index-url", "--find-links"}


# userinfo made only of ${VAR} references: pip expands them from the environment when it
# reads the file, which is pip's documented way to keep a secret out of it
_ENV_USERINFO = re.compile(
    r"^[A-Za-z][A-Za-z0-9+.-]*://\$\{[A-Za-z_][A-Za-z0-9_]*\}(?::\$\{[A-Za-z_][A-Za-z0-9_]*\})?@"
)


def has_credentials(url: str) -> bool:
    """True when the URL as written carries a user name or token before ``@``; userinfo
    made only of ``${VAR}`` references is not a credential in the file."""
    if _ENV_USERINFO.match(url):
        return False
    return redact_url(url) != url


def _shown(url: str) -> str:
    """The URL for a message: user name and secret both hidden (the file may be shared)."""
    return redact_url(url, keep_user=False)


def check_indexes(
    path: str, options: Iterable[OptionLine], ctx: LintContext
) -> Iterator[Finding]:
    """PW201-PW204 over the options of one requirements file (values as written)."""
    for option in options:
        value = option.raw_value or ""
        at = (path, option.location.line, option.location.column)
        if option.name == "--extra-index-url" and ctx.on("PW201"):
            yield Finding(
                "PW201",
                f"--extra-index-url {_shown(value)}: pip takes the highest version from any "
                f"index, so a look-alike upload on PyPI wins; use one --index-url that "
                f"mirrors PyPI",
                *at,
            )
        if option.name in _INDEX_OPTIONS and value:
            scheme = urlsplit(value).scheme.lower() if "://" in value else ""
            if scheme == "http" and ctx.on("PW202"):
                yield Finding(
                    "PW202",
                    f"{option.name} {_shown(value)} is plain http: anyone on the network can "
                    f"swap packages; use https",
                    *at,
                )
            if has_credentials(value) and ctx.on("PW204"):
                yield Finding(
                    "PW204",
                    f"{option.name} {_shown(value)} has credentials in the URL: remove them and "
                    f"use keyring or a netrc file (and rotate the token if this file is shared)",
                    *at,
                )
        if option.name == "--trusted-host" and ctx.on("PW203"):
            yield Finding(
                "PW203",
                f"--trusted-host {value} turns off certificate checks for that host: remove it "
                f"and serve the index over valid https",
                *at,
            )
