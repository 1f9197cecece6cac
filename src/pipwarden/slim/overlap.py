"""Direct dependencies that do the same job (two HTTP clients, two dataframe libraries …).

A curated table of categories. An overlap is reported only when two or more *direct*
dependencies fall in one category and neither is built on the other (``typer`` needs
``click``, ``environs`` needs ``python-dotenv``: declaring both is not a choice).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from pipwarden.frozen import frozen
from pipwarden.models import canonical_name

__all__ = ["CATEGORIES", "Overlap", "find_overlaps"]

# category -> (what the libraries do, distributions)
CATEGORIES: dict[str, tuple[str, tuple[str, ...]]] = {
    "http-client": ("HTTP client", ("requests", "httpx", "aiohttp", "httplib2", "pycurl")),
    "dataframe": ("dataframes", ("pandas", "polars", "modin", "vaex", "pyspark-pandas")),
    "yaml": ("YAML parsing", ("pyyaml", "ruamel-yaml", "oyaml", "strictyaml")),
    "toml": ("TOML parsing", ("toml", "tomli", "tomlkit", "rtoml", "pytomlpp")),
    "json": ("fast JSON", ("simplejson", "ujson", "orjson", "python-rapidjson")),
    "datetime": ("date/time helpers", ("arrow", "pendulum", "maya", "delorean")),
    "cli": ("command-line parsing", ("click", "docopt", "docopt-ng", "fire", "plac")),
    "dotenv": (".env loading", ("python-dotenv", "python-decouple", "environs")),
    "test-runner": ("test runner", ("pytest", "nose", "nose2")),
    "formatter": ("code formatter", ("black", "yapf", "autopep8")),
    "linter": ("linter", ("flake8", "ruff", "pylama", "prospector")),
    "progress": ("progress bars", ("tqdm", "alive-progress", "progressbar2", "enlighten")),
    "postgres": (
        "PostgreSQL driver",
        ("psycopg2", "psycopg2-binary", "psycopg", "pg8000", "asyncpg"),
    ),
    "mysql": ("MySQL driver", ("pymysql", "mysqlclient", "mysql-connector-python")),
    "validation": (
        "data validation",
        ("pydantic", "marshmallow", "cerberus", "voluptuous", "schema"),
    ),
    "fuzzy": ("fuzzy string matching", ("fuzzywuzzy", "thefuzz", "rapidfuzz")),
    "retry": ("retrying", ("tenacity", "retrying", "backoff", "retry")),
    "pdf": ("PDF reading", ("pypdf", "pypdf2", "pypdf3", "pdfrw", "pymupdf")),
    "parquet": ("Parquet files", ("pyarrow", "fastparquet")),
    "terminal-colour": ("terminal colours", ("colorama", "termcolor", "colored")),
    "excel-read": ("Excel reading", ("openpyxl", "xlrd", "python-calamine")),
}


@frozen
class Overlap:
    """Declared libraries that do the same job."""

    category: str
    job: str
    names: tuple[str, ...]


def find_overlaps(
    direct: Iterable[str],
    depends_on: Callable[[str, str], bool] | None = None,
) -> tuple[Overlap, ...]:
    """Categories holding two or more of the ``direct`` dependencies.

    ``depends_on(a, b)`` says whether ``a`` pulls ``b`` in; such pairs do not count.
    """
    names = {str(canonical_name(n)) for n in direct}
    out: list[Overlap] = []
    for category, (job, members) in CATEGORIES.items():
        present = sorted(m for m in members if m in names)
        if depends_on is not None:
            present = [
                a
                for a in present
                if not any(b != a and depends_on(b, a) for b in present)
            ]
        if len(present) >= 2:
            out.append(Overlap(category, job, tuple(present)))
    return tuple(out)
