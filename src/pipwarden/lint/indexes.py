"""PW2xx: where pip downloads from. One trusted https index, no credentials in the file."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from urllib.parse import urlsplit

from pipwarden.lint.engine import Finding, LintContext, rule
from pipwarden.lint.reqfile import ReqOption

__all__ = ["check_indexes", "has_credentials", "redact"]

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
_USERINFO = re.compile(r"(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*://)(?P<userinfo>[^/@\s]+)@")


def has_credentials(url: str) -> bool:
    """True when the URL carries a user name or token before ``@`` (env-var references too)."""
    return _USERINFO.search(url) is not None


def redact(url: str) -> str:
    """The URL with any user name, password or token replaced by ``***``."""
    return _USERINFO.sub(lambda m: f"{m.group('scheme')}***@", url)


def check_indexes(path: str, options: Iterable[ReqOption], ctx: LintContext) -> Iterator[Finding]:
    """PW201-PW204 over the options of one requirements file."""
    for option in options:
        value = option.value or ""
        at = (path, option.line, option.column)
        if option.name == "--extra-index-url" and ctx.on("PW201"):
            yield Finding(
                "PW201",
                f"--extra-index-url {redact(value)}: pip takes the highest version from any "
                f"index, so a look-alike upload on PyPI wins; use one --index-url that "
                f"mirrors PyPI",
                *at,
            )
        if option.name in _INDEX_OPTIONS and value:
            scheme = urlsplit(value).scheme.lower() if "://" in value else ""
            if scheme == "http" and ctx.on("PW202"):
                yield Finding(
                    "PW202",
                    f"{option.name} {redact(value)} is plain http: anyone on the network can "
                    f"swap packages; use https",
                    *at,
                )
            if has_credentials(value) and ctx.on("PW204"):
                yield Finding(
                    "PW204",
                    f"{option.name} {redact(value)} has credentials in the URL: remove them and "
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
