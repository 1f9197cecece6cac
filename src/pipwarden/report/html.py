"""Self-contained HTML reports: a page, sections, tables, a risk-coloured tree, links.

Every page is one file: inline CSS, no scripts, no fonts or images from elsewhere, and a
Content-Security-Policy that forbids loading anything, so the report opens the same on an
air-gapped laptop, in a CI artifact and with JavaScript off. Collapsing uses
``<details>``, which needs no script.

Escaping is by type: a plain ``str`` is always escaped; only :class:`Html` values, which
the functions of this module build from escaped parts, are inserted as they are. Callers
compose pages from these blocks and never write markup by hand::

    page("pipwarden check", "2 problems need action", [
        section("Vulnerabilities", table(["package", "advisory"],
                                         [["jinja2", advisory_link("PYSEC-2021-66")]])),
        section("Dependency tree", tree([("dbt-core 1.8", Level.OK, [
            ("jinja2 2.10", Level.RISK, [])])])),
    ], level=Level.RISK)
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence
from urllib.parse import quote, urlsplit

from pipwarden.models import Level

__all__ = [
    "CSS",
    "Cell",
    "Html",
    "TreeNode",
    "advisory_link",
    "badge",
    "bullets",
    "code",
    "escape",
    "join",
    "link",
    "page",
    "paragraph",
    "section",
    "table",
    "tree",
]

OSV_URL = "https://osv.dev/vulnerability/"


class Html(str):
    """Markup that is already safe (built by this module from escaped parts)."""

    __slots__ = ()


Cell = str | int | float | Html | None
TreeNode = tuple["str | Html", Level, Sequence["TreeNode"]]

# What each level says in words (colour is never the only signal).
_LEVEL_WORDS = {
    Level.OK: "ok",
    Level.INFO: "info",
    Level.UNKNOWN: "unknown",
    Level.WARN: "warning",
    Level.RISK: "risk",
}

CSS = """
:root{--ok:#1a7f37;--info:#0969da;--unknown:#6e7781;--warn:#9a6700;--risk:#cf222e;
--fg:#1f2328;--muted:#57606a;--line:#d0d7de;--bg:#fff;--soft:#f6f8fa}
*{box-sizing:border-box}
body{margin:0;font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;
color:var(--fg);background:var(--bg)}
main{max-width:1200px;margin:0 auto;padding:0 1.25rem 3rem}
header.verdict{padding:1.25rem;border-bottom:4px solid var(--lvl);background:var(--soft)}
header.verdict h1{margin:0 auto;max-width:1200px;font-size:1.35rem}
header.verdict p{margin:.35rem auto 0;max-width:1200px;font-size:1.1rem}
header.verdict .sub{color:var(--muted);font-size:.9rem}
.lvl-ok{--lvl:var(--ok)}.lvl-info{--lvl:var(--info)}.lvl-unknown{--lvl:var(--unknown)}
.lvl-warn{--lvl:var(--warn)}.lvl-risk{--lvl:var(--risk)}
.mark{color:var(--lvl);font-weight:700}
section{margin-top:1.75rem}
section>h2{font-size:1.1rem;border-bottom:1px solid var(--line);padding-bottom:.25rem}
section>h2 .count{color:var(--muted);font-weight:400}
p.note{color:var(--muted)}
.scroll{overflow:auto;max-width:100%;max-height:min(36rem,75vh)}
table{border-collapse:separate;border-spacing:0;font-size:.9rem}
caption{text-align:left;color:var(--muted);padding:.25rem 0}
th,td{border:1px solid var(--line);border-width:0 1px 1px 0;padding:.3rem .55rem;
text-align:left;vertical-align:top}
tr>:first-child{border-left-width:1px}thead th{border-top-width:1px}
th{background:var(--soft)}thead th{position:sticky;top:0;z-index:1;white-space:nowrap}
td a[href^="https://osv.dev/"]{white-space:nowrap}
td{overflow-wrap:break-word}td ul{margin:0;padding-left:1.1rem}
td.num{text-align:right;font-variant-numeric:tabular-nums}
td.empty{color:var(--unknown)}
tbody tr:nth-child(even){background:#fbfcfd}
.badge{display:inline-block;border:1px solid var(--lvl);color:var(--lvl);border-radius:999px;
padding:0 .45rem;font-size:.75rem;line-height:1.4;white-space:nowrap}
a{color:var(--info)}
code{font:.85em ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;background:var(--soft);
padding:0 .2rem;border-radius:3px}
ul.tree,ul.tree ul{list-style:none;margin:0;padding:0}
ul.tree ul{margin-left:.6rem;padding-left:1.1rem;border-left:2px solid var(--line)}
ul.tree li{position:relative;padding:.12rem 0}
ul.tree ul>li::before{content:"";position:absolute;left:-1.1rem;top:.9rem;width:.9rem;
border-top:2px solid var(--line)}
ul.tree ul>li:last-child::after{content:"";position:absolute;left:-1.25rem;top:.95rem;
bottom:0;border-left:4px solid var(--bg)}
ul.tree .node{border-left:4px solid var(--lvl);padding:0 .4rem;background:var(--soft);
border-radius:3px}
ul.tree summary{cursor:pointer}
ul.tree details>ul{margin-top:.1rem}
.legend span{margin-right:.6rem}
footer{margin-top:2.5rem;color:var(--muted);font-size:.8rem}
@media print{thead th{position:static}.scroll{max-height:none;overflow:visible}}
@media (prefers-color-scheme:dark){:root{--fg:#e6edf3;--muted:#9198a1;--line:#3d444d;
--bg:#0d1117;--soft:#151b23;--ok:#3fb950;--info:#4493f8;--warn:#d29922;--risk:#f85149}
tbody tr:nth-child(even){background:#10161e}}
"""

_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"


def escape(value: object) -> Html:
    """Text made safe for element content and quoted attributes (``Html`` passes through)."""
    if isinstance(value, Html):
        return value
    return Html(html.escape("" if value is None else str(value), quote=True))


def join(parts: Iterable[object], sep: str = "") -> Html:
    """Concatenate blocks; plain strings among them are escaped."""
    return Html(escape(sep).join(escape(p) for p in parts))


def _level_class(level: Level) -> str:
    return f"lvl-{level.name.lower()}"


def badge(level: Level, text: str | None = None) -> Html:
    """A small coloured label that also says the level in words."""
    words = text if text is not None else _LEVEL_WORDS[level]
    return Html(f'<span class="badge {_level_class(level)}">{escape(words)}</span>')


def _safe_href(href: str) -> str | None:
    parts = urlsplit(href)
    if parts.scheme in {"http", "https"} and parts.netloc:
        return href
    if not parts.scheme and not parts.netloc and not href.startswith("//"):
        return href  # a fragment or a relative path
    return None


def link(text: object, href: str) -> Html:
    """A link to an http(s) or relative address; anything else (``javascript:``,
    ``data:`` …) is shown as plain text."""
    safe = _safe_href(href)
    if safe is None:
        return escape(text)
    return Html(f'<a href="{escape(safe)}" rel="noopener noreferrer">{escape(text)}</a>')


def advisory_link(advisory_id: str, text: str | None = None) -> Html:
    """A link to the advisory's page on osv.dev."""
    return link(text if text is not None else advisory_id, OSV_URL + quote(advisory_id, safe=""))


def code(text: object) -> Html:
    """Inline code (a specifier, a command)."""
    return Html(f"<code>{escape(text)}</code>")


def paragraph(text: object, *, note: bool = False) -> Html:
    css = ' class="note"' if note else ""
    return Html(f"<p{css}>{escape(text)}</p>")


def bullets(items: Iterable[object]) -> Html:
    return Html("<ul>" + "".join(f"<li>{escape(i)}</li>" for i in items) + "</ul>")


def _slug(text: str) -> str:
    slug = "".join(c if c.isalnum() else "-" for c in text.lower()).strip("-")
    return "-".join(filter(None, slug.split("-"))) or "section"


def section(
    title: str,
    *body: object,
    count: int | None = None,
    anchor: str | None = None,
    empty: str | None = None,
) -> Html:
    """A titled part of the page; ``count`` is shown next to the title; ``empty`` is the
    sentence shown instead of the body when it has nothing (``body`` empty)."""
    parts = [escape(b) for b in body if b is not None and b != ""]
    if not parts and empty is not None:
        parts = [paragraph(empty, note=True)]
    number = f' <span class="count">({count})</span>' if count is not None else ""
    ident = _slug(anchor or title)
    return Html(
        f'<section id="{escape(ident)}"><h2>{escape(title)}{number}</h2>'
        + "".join(parts)
        + "</section>"
    )


def _cell(value: Cell, header: bool = False) -> str:
    tag, attrs = ("th", ' scope="row"') if header else ("td", "")
    if value is None or value == "":
        return f'<{tag}{attrs} class="empty">–</{tag}>'
    if isinstance(value, bool):
        return f"<{tag}{attrs}>{'yes' if value else 'no'}</{tag}>"
    if isinstance(value, int | float):
        return f'<{tag}{attrs} class="num">{value}</{tag}>'
    return f"<{tag}{attrs}>{escape(value)}</{tag}>"


def table(
    headers: Sequence[str],
    rows: Iterable[Sequence[Cell]],
    *,
    caption: str | None = None,
    row_header: bool = False,
) -> Html:
    """A table; ``None`` cells show a dash, numbers align right; with ``row_header`` the
    first cell of each row is a header cell (a matrix's row labels)."""
    head = "".join(f'<th scope="col">{escape(h)}</th>' for h in headers)
    body: list[str] = []
    for row in rows:
        cells = [_cell(value, row_header and i == 0) for i, value in enumerate(row)]
        body.append("<tr>" + "".join(cells) + "</tr>")
    cap = f"<caption>{escape(caption)}</caption>" if caption else ""
    return Html(
        f'<div class="scroll"><table>{cap}<thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table></div>"
    )


def _node(node: TreeNode, depth: int, open_levels: int) -> tuple[str, Level]:
    """The node's markup and the worst level in its subtree."""
    label, level, children = node
    mark = (
        f'<span class="node {_level_class(level)}">{escape(label)} '
        f'<span class="badge {_level_class(level)}">{escape(_LEVEL_WORDS[level])}</span></span>'
    )
    if not children:
        return f"<li>{mark}</li>", level
    parts = [_node(child, depth + 1, open_levels) for child in children]
    below = max(worst for _, worst in parts)
    inner = "".join(markup for markup, _ in parts)
    opened = " open" if depth < open_levels or below >= Level.WARN else ""
    return (
        f"<li><details{opened}><summary>{mark}</summary><ul>{inner}</ul></details></li>",
        max(level, below),
    )


def tree(nodes: Sequence[TreeNode], *, legend: bool = True, open_levels: int = 2) -> Html:
    """A dependency tree: nested lists with CSS connectors; each node is
    ``(label, level, children)`` and is coloured (and labelled) by its risk level.
    The first ``open_levels`` levels are unfolded, and so is every branch that leads to a
    warning or a risk; the rest fold (``<details>``, which needs no script)."""
    key = ""
    if legend:
        key = '<p class="legend note">' + "".join(
            f"<span>{badge(level)}</span>" for level in Level
        ) + "</p>"
    items = "".join(_node(n, 0, open_levels)[0] for n in nodes)
    return Html(f'{key}<ul class="tree">{items}</ul>')


def page(
    title: str,
    verdict: str,
    sections: Iterable[object],
    *,
    level: Level = Level.OK,
    subtitle: str | None = None,
    footer: str | None = None,
) -> str:
    """A complete HTML document: the title and the one-line verdict on top (coloured by
    ``level``, with a ✓/✗ mark), then the sections in order."""
    mark = {Level.OK: "✓", Level.INFO: "✓", Level.UNKNOWN: "?", Level.WARN: "⚠", Level.RISK: "✗"}
    sub = f'<p class="sub">{escape(subtitle)}</p>' if subtitle else ""
    foot = f"<footer>{escape(footer)}</footer>" if footer else ""
    body = "".join(escape(s) for s in sections)
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        '<meta name="color-scheme" content="light dark">'
        '<link rel="icon" href="data:,">'
        f"<title>{escape(title)}</title><style>{CSS}</style></head>\n"
        f'<body><header class="verdict {_level_class(level)}"><h1>{escape(title)}</h1>'
        f'<p><span class="mark">{mark[level]}</span> {escape(verdict)}</p>{sub}</header>\n'
        f"<main>{body}{foot}</main></body></html>\n"
    )
