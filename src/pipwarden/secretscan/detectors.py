"""What a committed secret looks like: token shapes, key files and secret-named values.

Each detector names a *kind* (``aws-access-key``, ``private-key`` …) and a severity:
``problem`` for a credential that grants access by itself (a cloud key, a private key, a
live payment key), ``warning`` for what needs a look (a test-mode key, a secret-named value
of unknown shape). Values are matched, never kept: a finding carries the line and kind only.

Documented example values and placeholders (``AKIAIOSFODNN7EXAMPLE``, ``changeme``,
``<token>``, ``${VAR}``, ``{{ env_var('X') }}``, ``xxxx…``) are not secrets.
"""

from __future__ import annotations

import math
import re
import string
from collections.abc import Iterator

from pipwarden.frozen import frozen

__all__ = ["TOKENS", "Hit", "is_placeholder", "scan_text", "secret_assignments"]

PROBLEM = "problem"
WARNING = "warning"


@frozen
class Hit:
    """One match in a text: 1-based line, the kind, the severity (never the value)."""

    line: int
    kind: str
    severity: str


@frozen
class TokenKind:
    """A token recognisable by its shape. Each of ``prefixes`` is searched with ``str.find``;
    ``pattern`` is then matched exactly at that prefix (it starts with it), so no regex ever
    scans the text. ``word`` asks for a word boundary before the prefix; ``before`` is a
    regex the text just before the prefix must end with (a URL scheme, a bot id)."""

    kind: str
    prefixes: tuple[str, ...]
    pattern: re.Pattern[str]
    severity: str = PROBLEM
    word: bool = True
    before: re.Pattern[str] | None = None
    back: int = 0  # the pattern starts this many characters before the searched text


def _kind(
    kind: str,
    prefixes: tuple[str, ...],
    body: str,
    severity: str = PROBLEM,
    *,
    word: bool = True,
    before: str | None = None,
    back: int = 0,
) -> TokenKind:
    return TokenKind(kind, prefixes, re.compile(body), severity, word,
                     re.compile(before + r"\Z") if before else None, back)


_DB_SCHEMES = (
    r"(?:^|[^A-Za-z0-9+.-])(?:postgres(?:ql)?|mysql|mariadb|mongodb(?:\+srv)?|redis|rediss|"
    r"mssql|snowflake|amqps?|clickhouse|oracle)(?:\+\w+)?"
)

#: Token shapes, each with the literal text it starts with.
TOKENS: tuple[TokenKind, ...] = (
    _kind("aws-access-key", ("AKIA", "ASIA"), r"(?:AKIA|ASIA)[A-Z2-7]{16}(?![A-Z0-9])"),
    _kind("github-token", ("gh",),
          r"gh[pousr]_[A-Za-z0-9]{36,255}\b"),
    _kind("github-token", ("github_pat_",), r"github_pat_[A-Za-z0-9_]{60,255}\b"),
    _kind("gitlab-token", ("glpat-",), r"glpat-[A-Za-z0-9_-]{20,}"),
    _kind("slack-token", ("xox",), r"xox[abposre]-[0-9A-Za-z]{8,}-[0-9A-Za-z-]{8,}"),
    _kind("slack-webhook", ("hooks.slack.com/services/",),
          r"hooks\.slack\.com/services/T[A-Z0-9]{6,}/B[A-Z0-9]{6,}/[A-Za-z0-9]{20,}",
          word=False),
    _kind("google-api-key", ("AIza",), r"AIza[0-9A-Za-z_-]{35}(?![0-9A-Za-z_-])"),
    _kind("stripe-live-key", ("k_live_",), r"[sr]k_live_[0-9A-Za-z]{20,}", back=1),
    _kind("stripe-test-key", ("sk_test_",), r"sk_test_[0-9A-Za-z]{20,}", WARNING),
    _kind("anthropic-key", ("sk-",), r"sk-ant-[A-Za-z0-9]{2,8}-[A-Za-z0-9_-]{40,}"),
    _kind("openai-key", ("sk-",),
          r"sk-(?:proj|svcacct|admin)-[A-Za-z0-9_-]{40,}"),
    _kind("openai-key", ("sk-",), r"sk-[A-Za-z0-9]{20}T3BlbkFJ[A-Za-z0-9]{20}\b"),
    _kind("huggingface-token", ("hf_",), r"hf_[A-Za-z0-9]{34,40}\b"),
    _kind("pypi-token", ("pypi-AgE",), r"pypi-AgE[A-Za-z0-9_-]{50,}"),
    _kind("npm-token", ("npm_",), r"npm_[A-Za-z0-9]{36}\b"),
    _kind("databricks-token", ("dapi",), r"dapi[0-9a-f]{32}(?:-\d)?\b"),
    _kind("sendgrid-key", ("SG.",), r"SG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}\b"),
    _kind("mailgun-key", ("key-",), r"key-[0-9a-f]{32}\b"),
    _kind("telegram-bot-token", (":AA",), r":AA[0-9A-Za-z_-]{33}\b", word=False,
          before=r"(?:^|\D)\d{8,10}"),
    _kind("azure-storage-key", ("AccountKey=",), r"AccountKey=[A-Za-z0-9+/]{86}==?",
          word=False),
    _kind("shopify-token", ("shp",), r"shp(?:at|ss)_[0-9a-fA-F]{32}\b"),
    _kind("digitalocean-token", ("dop_v1_",), r"dop_v1_[0-9a-f]{64}\b"),
    _kind("private-key", ("PRIVATE KEY-----",), r"PRIVATE KEY(?: BLOCK)?-----", word=False,
          before=r"-----BEGIN (?:RSA |EC |DSA |OPENSSH |ENCRYPTED |PGP )?"),
    _kind("database-url-password", ("://",),
          r"://[^\s:/@'\"]+:(?P<value>[^\s@/'\"]+)@", word=False, before=_DB_SCHEMES),
    _kind("url-password", ("://",),
          r"://[^\s:/@'\"]+:(?P<value>[^\s@/'\"]{6,})@[\w.-]+", word=False,
          before=r"(?:^|[^A-Za-z0-9+.-])https?"),
)

# Values that stand for a secret without being one.
_PLACEHOLDER = re.compile(
    r"^(?:\$\{?[A-Za-z_][A-Za-z0-9_]*\}?|\{\{.*\}\}|<[^>]*>|%\(?[A-Za-z_]*\)?s?|"
    r"\*+|x+|X+|\.+|-+|_+|0+|changeme|change[_-]?me|change[_-]?this|replace[_-]?me|"
    r"secret|password|passw(?:or)?d|token|api[_-]?key|none|null|nil|true|false|"
    r"todo|tbd|redacted|dummy|placeholder|example|sample|test|testing|fake|"
    r"your[_-].*|my[_-].*|insert[_-].*|enter[_-].*|put[_-].*|add[_-].*)$",
    re.IGNORECASE,
)
_DOCUMENTED = ("EXAMPLE", "example", "xxxx", "XXXX", "0000000000", "1234567890", "abcdef0123",
               "dummy", "DUMMY", "fake", "FAKE", "placeholder", "PLACEHOLDER", "your",
               "YOUR", "redacted", "REDACTED", "test-token", "sample")


def is_placeholder(value: str) -> bool:
    """A reference, a template or a documented example rather than a real secret."""
    text = value.strip().strip("'\"`")
    if not text or _PLACEHOLDER.match(text):
        return True
    if "${" in text or "{{" in text or text.startswith(("$", "%", "<", "os.environ", "env(")):
        return True
    if any(word in text for word in _DOCUMENTED):
        return True
    return len(set(text.lower())) <= 3  # aaaa…, xxxxx, 1111


def _entropy(text: str) -> float:
    counts: dict[str, int] = {}
    for char in text:
        counts[char] = counts.get(char, 0) + 1
    return -sum(c / len(text) * math.log2(c / len(text)) for c in counts.values())


def _line_starts(text: str) -> list[int]:
    starts = [0]
    index = text.find("\n")
    while index >= 0:
        starts.append(index + 1)
        index = text.find("\n", index + 1)
    return starts


def _line_of(starts: list[int], offset: int) -> int:
    lo, hi = 0, len(starts) - 1
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if starts[mid] <= offset:
            lo = mid
        else:
            hi = mid - 1
    return lo + 1


def _word_start(text: str, at: int) -> bool:
    return at == 0 or not (text[at - 1].isalnum() or text[at - 1] == "_")


def _search_table() -> dict[str, tuple[TokenKind, ...]]:
    table: dict[str, list[TokenKind]] = {}
    for token in TOKENS:
        for prefix in token.prefixes:
            table.setdefault(prefix, []).append(token)
    return {prefix: tuple(kinds) for prefix, kinds in table.items()}


#: Each searched string once, with the kinds that start there (``://``: two kinds).
_SEARCH = _search_table()


def scan_text(text: str) -> Iterator[Hit]:
    """Every token-shaped secret in ``text`` (one hit per kind and line).

    Each distinct literal prefix is found with ``str.find`` and the kinds that start with
    it are matched at each hit: no regex ever scans the whole text.
    """
    starts: list[int] | None = None
    seen: set[tuple[int, str]] = set()
    for prefix, kinds in _SEARCH.items():
        found = text.find(prefix)
        while found >= 0:
            for token in kinds:
                at = found - token.back
                match = token.pattern.match(text, at) if at >= 0 else None
                if match is None or (token.word and not _word_start(text, at)):
                    continue
                if token.before is not None and (
                    token.before.search(text, max(0, at - 40), at) is None
                ):
                    continue
                value = match.groupdict().get("value") or match.group(0)
                if is_placeholder(value) or (
                    token.kind.endswith("password") and _entropy(value) < 2.0
                ):
                    continue
                if starts is None:
                    starts = _line_starts(text)
                line = _line_of(starts, at)
                if (line, token.kind) not in seen:
                    seen.add((line, token.kind))
                    yield Hit(line, token.kind, token.severity)
            found = text.find(prefix, found + 1)


_SECRET_WORD = re.compile(
    r"password|passwd|passphrase|secret|token|api[_-]?key|access[_-]?key|private[_-]?key|"
    r"auth[_-]?key"
)
# The lower-case roots searched with str.find before any regex runs.
_ROOTS = ("pass", "secret", "token", "key")
_KEY_CHARS = frozenset(string.ascii_letters + string.digits + "_.-")
# after the key: `=`/`:` and a literal value. A value in a notebook's JSON is quoted with
# escaped quotes (\"), hence the optional backslashes.
_AFTER_KEY = re.compile(
    r"""(?:\\?["'])?[ \t]*(?::=|=|:)[ \t]*"""
    r"""(?:(?P<q>\\?["'])(?P<quoted>[^"'\\\n]{1,400})(?P=q)|(?P<bare>[^\s"'#,;)}\\]{1,400}))"""
)
# source code: only a quoted literal counts, so the value must open with a quote
_AFTER_KEY_QUOTED = re.compile(
    r"""(?:\\?["'])?[ \t]*(?::=|=|:)[ \t]*"""
    r"""(?P<q>\\?["'])(?P<quoted>[^"'\\\n]{1,400})(?P=q)"""
)
_NOT_SECRET_KEY = re.compile(
    r"(_|-|\.)?(path|file|dir|url|uri|id|type|length|name|env|var|endpoint|expiry|expires|"
    r"header|field|prompt|count|limit|len|size|format|method|kind|mode|cmd|command)$",
    re.IGNORECASE,
)


_IDENT_TAIL = re.compile(r"[A-Za-z0-9_.-]*")


def _identifier_start(lowered: str, at: int) -> int:
    begin = at
    while begin > 0 and lowered[begin - 1] in _KEY_CHARS:
        begin -= 1
    return begin


def secret_assignments(
    text: str, *, min_length: int = 8, quoted_only: bool = False
) -> Iterator[tuple[int, str]]:
    """(line, key) of secret-named keys given a literal value: ``DB_PASSWORD=hunter2x``,
    ``api_key: "…"``, ``token = '…'``. References, placeholders and short or uniform
    values are left out. ``quoted_only`` (source code): a literal is a quoted string; an
    unquoted value there is a name (``token = Name.Class``), not a secret.

    The lower-cased text is searched for a few roots with ``str.find``; the identifier
    around each hit is checked, and only then a regex reads the value after it.
    """
    lowered = text.lower()
    after = _AFTER_KEY_QUOTED if quoted_only else _AFTER_KEY
    starts: list[int] | None = None
    reported: set[int] = set()
    done: set[int] = set()
    for root in _ROOTS:
        at = lowered.find(root)
        while at >= 0:
            hit = at
            tail = _IDENT_TAIL.match(lowered, at)
            end = tail.end() if tail else at
            at = lowered.find(root, end)
            if end in done:  # the same identifier, reached through another root
                continue
            done.add(end)
            # the cheap test first: most "key"/"token" words are not assigned a value
            match = after.match(text, end)
            if match is None:
                continue
            begin = _identifier_start(lowered, hit)
            key = text[begin:end]
            last = lowered.rfind(".", begin, end) + 1 or begin  # Token.String.Symbol: no
            if not _SECRET_WORD.search(lowered, last, end) or _NOT_SECRET_KEY.search(key):
                continue
            value = match.group("quoted") or ("" if quoted_only else match.group("bare")) or ""
            if len(value) < min_length or is_placeholder(value):
                continue
            if value.replace(".", "").replace("_", "").isdigit() or _entropy(value) < 2.5:
                continue
            if not quoted_only and not match.group("q") and (
                "(" in text[match.start("bare") : match.end() + 1]
            ):
                continue  # a call (get_secret(…)), not a literal
            if starts is None:
                starts = _line_starts(text)
            line = _line_of(starts, begin)
            if line not in reported:
                reported.add(line)
                yield line, key
