from __future__ import annotations

import pytest

from pipwarden.slim.installed import module_names_from_record, read_installed
from pipwarden.slim.mapping import ImportResolver
from pipwarden.slim.overlap import find_overlaps
from slim_fixtures import VENV


@pytest.mark.parametrize(
    ("module", "dist"),
    [
        ("sklearn.linear_model", "scikit-learn"),
        ("yaml", "pyyaml"),
        ("PIL.Image", "pillow"),
        ("cv2", "opencv-python"),
        ("bs4", "beautifulsoup4"),
        ("dateutil.parser", "python-dateutil"),
        ("google.cloud.bigquery", "google-cloud-bigquery"),
        ("google.cloud.storage.blob", "google-cloud-storage"),
        ("jwt", "pyjwt"),
        ("requests", "requests"),
        ("Flask_Login", "flask-login"),
    ],
)
def test_curated_and_name_fallback(module: str, dist: str) -> None:
    assert ImportResolver().resolve(module) == {dist}


def test_record_paths_give_namespace_modules() -> None:
    names = module_names_from_record(
        [
            "google/cloud/bigquery/__init__.py",
            "google/cloud/bigquery/client.py",
            "google/cloud/bigquery/__pycache__/client.cpython-311.pyc",
            "google_cloud_bigquery-3.17.2.dist-info/METADATA",
            "../../../bin/tool",
            "_cffi_backend.cpython-311-x86_64-linux-gnu.so",
            "data/file.json",
        ]
    )
    assert names == (
        "_cffi_backend", "google", "google.cloud", "google.cloud.bigquery",
        "google.cloud.bigquery.client",
    )


def test_environment_metadata_wins_and_namespaces_resolve_precisely() -> None:
    env = read_installed(VENV)
    resolver = ImportResolver(env.modules)
    assert resolver.resolve("google.cloud.bigquery.client") == {"google-cloud-bigquery"}
    assert resolver.resolve("google.cloud.client") == {"google-cloud-core"}
    assert resolver.resolve("google.protobuf") == {"protobuf"}
    # dbt.adapters.bigquery is shipped by the adapter, dbt.cli by dbt-core
    assert resolver.resolve("dbt.adapters.bigquery") == {"dbt-bigquery"}
    assert resolver.resolve("dbt.cli.main") == {"dbt-core"}
    assert resolver.resolve("mpl_toolkits.mplot3d") == {"matplotlib"}
    assert resolver.resolve("_yaml") == {"pyyaml"}
    assert resolver.is_installed("numpy.linalg") and not resolver.is_installed("cv2")
    assert resolver.resolve("cv2") == {"opencv-python"}  # curated when not installed


def test_read_installed_reads_metadata() -> None:
    env = read_installed(VENV)
    pkgs = env.packages
    assert env.environment.python_version == "3.11.9"
    assert pkgs["dbt-core"].console_scripts == ("dbt",)
    assert pkgs["pyyaml"].display_name == "PyYAML"
    assert "Jinja2<4,>=3.1.3" in pkgs["dbt-core"].requires_dist
    assert len(pkgs) == 50


def test_overlaps() -> None:
    assert [o.names for o in find_overlaps(["requests", "HTTPX", "pandas"])] == [
        ("httpx", "requests")
    ]
    assert find_overlaps(["requests", "pandas"]) == ()
    # environs is built on python-dotenv: declaring both is not a choice
    deps = {"environs": {"python-dotenv"}}
    assert find_overlaps(
        ["environs", "python-dotenv"], lambda a, b: b in deps.get(a, set())
    ) == ()
    assert len(find_overlaps(["environs", "python-dotenv", "python-decouple"],
                             lambda a, b: b in deps.get(a, set()))[0].names) == 2
