"""Import names → distribution names.

The installed environment's metadata decides first (``top_level.txt`` and ``RECORD``, read
by :mod:`pipwarden.sources.environment`); a curated table covers the usual surprises when there is
no environment or a distribution ships no such metadata; last, an import name that is
itself a distribution name (``requests``) maps to that distribution. Matching is by the
longest dotted prefix, so ``google.cloud.bigquery.client`` finds
``google-cloud-bigquery``, not every distribution that shares the ``google`` namespace.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from pipwarden.models import Environment, canonical_name
from pipwarden.sources.environment import installed_files, module_names

__all__ = ["CURATED_IMPORTS", "ImportResolver", "installed_modules"]

# import name (dotted prefix) -> distribution (PEP 503 normalised)
CURATED_IMPORTS: dict[str, str] = {
    "sklearn": "scikit-learn",
    "skimage": "scikit-image",
    "yaml": "pyyaml",
    "ruamel.yaml": "ruamel-yaml",
    "PIL": "pillow",
    "cv2": "opencv-python",
    "bs4": "beautifulsoup4",
    "dateutil": "python-dateutil",
    "dotenv": "python-dotenv",
    "jwt": "pyjwt",
    "jose": "python-jose",
    "magic": "python-magic",
    "docx": "python-docx",
    "pptx": "python-pptx",
    "slugify": "python-slugify",
    "multipart": "python-multipart",
    "Levenshtein": "levenshtein",
    "OpenSSL": "pyopenssl",
    "Crypto": "pycryptodome",
    "nacl": "pynacl",
    "git": "gitpython",
    "github": "pygithub",
    "serial": "pyserial",
    "usb": "pyusb",
    "zmq": "pyzmq",
    "MySQLdb": "mysqlclient",
    "psycopg2": "psycopg2-binary",
    "attr": "attrs",
    "pkg_resources": "setuptools",
    "setuptools": "setuptools",
    "google.cloud.bigquery": "google-cloud-bigquery",
    "google.cloud.bigquery_storage": "google-cloud-bigquery-storage",
    "google.cloud.bigquery_storage_v1": "google-cloud-bigquery-storage",
    "google.cloud.storage": "google-cloud-storage",
    "google.cloud.pubsub": "google-cloud-pubsub",
    "google.cloud.pubsub_v1": "google-cloud-pubsub",
    "google.cloud.secretmanager": "google-cloud-secret-manager",
    "google.cloud.logging": "google-cloud-logging",
    "google.cloud.firestore": "google-cloud-firestore",
    "google.cloud.aiplatform": "google-cloud-aiplatform",
    "google.cloud.exceptions": "google-cloud-core",
    "google.cloud.client": "google-cloud-core",
    "google.api_core": "google-api-core",
    "google.auth": "google-auth",
    "google.oauth2": "google-auth",
    "google.protobuf": "protobuf",
    "googleapiclient": "google-api-python-client",
    "azure.storage.blob": "azure-storage-blob",
    "azure.identity": "azure-identity",
    "azure.core": "azure-core",
    "snowflake.connector": "snowflake-connector-python",
    "snowflake.snowpark": "snowflake-snowpark-python",
    "databricks.sql": "databricks-sql-connector",
    "databricks.sdk": "databricks-sdk",
    "dbt": "dbt-core",
    "pyarrow": "pyarrow",
    "lxml": "lxml",
    "jinja2": "jinja2",
    "markdown": "markdown",
    "IPython": "ipython",
    "ipykernel": "ipykernel",
    "matplotlib": "matplotlib",
    "mpl_toolkits": "matplotlib",
    "tensorflow": "tensorflow",
    "torch": "torch",
    "fitz": "pymupdf",
    "pypdf": "pypdf",
    "PyPDF2": "pypdf2",
    "win32api": "pywin32",
    "win32com": "pywin32",
    "pythoncom": "pywin32",
    "umap": "umap-learn",
    "faiss": "faiss-cpu",
    "tls_client": "tls-client",
    "kafka": "kafka-python",
    "telegram": "python-telegram-bot",
    "discord": "discord-py",
    "websocket": "websocket-client",
    "Bio": "biopython",
    "osgeo": "gdal",
    "pydantic_settings": "pydantic-settings",
    "great_expectations": "great-expectations",
    "sentence_transformers": "sentence-transformers",
    "huggingface_hub": "huggingface-hub",
    "typing_extensions": "typing-extensions",
    "importlib_metadata": "importlib-metadata",
    "pandas_gbq": "pandas-gbq",
    "db_dtypes": "db-dtypes",
}


def installed_modules(env: Environment) -> dict[str, tuple[str, ...]]:
    """Per installed distribution, the dotted module names it provides (``RECORD`` and
    ``top_level.txt``); the first of duplicate installs wins."""
    modules: dict[str, tuple[str, ...]] = {}
    for package in env.packages:
        if package.name in modules:
            continue
        names = set(module_names(installed_files(package)))
        names.update(
            t for t in package.top_level if t and all(p.isidentifier() for p in t.split("."))
        )
        modules[package.name] = tuple(sorted(names))
    return modules


def _prefixes(module: str) -> list[str]:
    parts = module.split(".")
    return [".".join(parts[:end]) for end in range(len(parts), 0, -1)]


class ImportResolver:
    """Resolve a dotted import to the distribution(s) that provide it."""

    def __init__(
        self,
        installed_modules: Mapping[str, Iterable[str]] | None = None,
        curated: Mapping[str, str] | None = None,
    ) -> None:
        self._installed: dict[str, set[str]] = {}
        for dist, modules in (installed_modules or {}).items():
            for module in modules:
                self._installed.setdefault(module, set()).add(canonical_name(dist))
        self._curated = dict(CURATED_IMPORTS if curated is None else curated)

    @property
    def has_environment(self) -> bool:
        return bool(self._installed)

    def resolve(self, module: str) -> frozenset[str]:
        """Distributions providing ``module``; empty when nothing is known about it.

        With an environment, the longest installed prefix wins; several distributions are
        returned only when they share exactly that prefix. Otherwise the curated table
        (longest prefix), else the top-level name read as a distribution name.
        """
        for prefix in _prefixes(module):
            found = self._installed.get(prefix)
            if found:
                return frozenset(found)
        for prefix in _prefixes(module):
            curated = self._curated.get(prefix)
            if curated:
                return frozenset({curated})
        top = module.partition(".")[0]
        return frozenset({canonical_name(top)})

    def is_installed(self, module: str) -> bool:
        """Does the environment know any distribution providing ``module``?"""
        return any(prefix in self._installed for prefix in _prefixes(module))
