"""Regenerate the fake ``.venv`` of tests/data/slim/project (run from this folder).

Each distribution gets the metadata files pip writes: METADATA (Name, Version,
Requires-Dist), top_level.txt, RECORD and, for tools, entry_points.txt. Nothing in it is
importable or runnable; slim only reads it.
"""

from __future__ import annotations

import shutil
from pathlib import Path

SITE = Path("project/.venv/lib/python3.11/site-packages")

# name, version, requires_dist, modules (RECORD paths), console scripts, top_level
DISTS: list[tuple[str, str, list[str], list[str], list[str], list[str]]] = [
    ("pandas", "2.2.0", ["numpy>=1.23", "python-dateutil>=2.8", "pytz>=2020.1", "tzdata"],
     ["pandas/__init__.py", "pandas/core/frame.py"], [], ["pandas"]),
    ("numpy", "1.26.4", [], ["numpy/__init__.py"], ["f2py"], ["numpy"]),
    ("python-dateutil", "2.9.0", ["six>=1.5"], ["dateutil/__init__.py"], [], ["dateutil"]),
    ("six", "1.16.0", [], ["six.py"], [], ["six"]),
    ("pytz", "2024.1", [], ["pytz/__init__.py"], [], ["pytz"]),
    ("tzdata", "2024.1", [], ["tzdata/__init__.py"], [], ["tzdata"]),
    ("requests", "2.31.0",
     ["charset-normalizer<4,>=2", "idna<4,>=2.5", "urllib3<3,>=1.21.1", "certifi>=2017.4.17",
      'PySocks!=1.5.7,>=1.5.6; extra == "socks"'],
     ["requests/__init__.py"], [], ["requests"]),
    ("charset-normalizer", "3.3.2", [], ["charset_normalizer/__init__.py"],
     ["normalizer"], ["charset_normalizer"]),
    ("idna", "3.6", [], ["idna/__init__.py"], [], ["idna"]),
    ("urllib3", "2.2.0", [], ["urllib3/__init__.py"], [], ["urllib3"]),
    ("certifi", "2024.2.2", [], ["certifi/__init__.py"], [], ["certifi"]),
    ("PySocks", "1.7.1", [], ["socks.py"], [], ["socks"]),
    ("scikit-learn", "1.4.0", ["numpy>=1.19.5", "scipy>=1.6.0", "joblib>=1.2.0",
                               "threadpoolctl>=2.0.0"],
     ["sklearn/__init__.py", "sklearn/model_selection/__init__.py"], [], ["sklearn"]),
    ("scipy", "1.12.0", ["numpy<1.29,>=1.22.4"], ["scipy/__init__.py"], [], ["scipy"]),
    ("joblib", "1.3.2", [], ["joblib/__init__.py"], [], ["joblib"]),
    ("threadpoolctl", "3.2.0", [], ["threadpoolctl.py"], [], ["threadpoolctl"]),
    ("PyYAML", "6.0.1", [], ["yaml/__init__.py", "_yaml/__init__.py"], [], ["_yaml", "yaml"]),
    ("dbt-bigquery", "1.7.4", ["dbt-core~=1.7.0", "google-cloud-bigquery>=3.0"],
     ["dbt/adapters/bigquery/__init__.py", "dbt/include/bigquery/__init__.py"], [], []),
    ("dbt-core", "1.7.9", ["Jinja2<4,>=3.1.3", "pyyaml>=6.0", "click<9,>=8.0.2"],
     ["dbt/__init__.py", "dbt/cli/main.py", "dbt/adapters/__init__.py"], ["dbt"], ["dbt"]),
    ("Jinja2", "3.1.3", ["MarkupSafe>=2.0", 'Babel>=2.7; extra == "i18n"'],
     ["jinja2/__init__.py"], [], ["jinja2"]),
    ("MarkupSafe", "2.1.5", [], ["markupsafe/__init__.py"], [], ["markupsafe"]),
    ("click", "8.1.7", ['colorama; platform_system == "Windows"'],
     ["click/__init__.py"], [], ["click"]),
    ("colorama", "0.4.6", [], ["colorama/__init__.py"], [], ["colorama"]),
    ("google-cloud-bigquery", "3.17.2", ["google-api-core>=1.31.5", "google-cloud-core>=1.6"],
     ["google/cloud/bigquery/__init__.py", "google/cloud/bigquery/client.py"], [], ["google"]),
    ("google-cloud-core", "2.4.1", ["google-api-core>=1.31.6"],
     ["google/cloud/client.py", "google/cloud/_helpers.py"], [], ["google"]),
    ("google-api-core", "2.17.1", ["google-auth<3,>=2.14.1", "protobuf>=3.19.5"],
     ["google/api_core/__init__.py"], [], ["google"]),
    ("google-auth", "2.28.1", [], ["google/auth/__init__.py", "google/oauth2/__init__.py"],
     [], ["google"]),
    ("protobuf", "4.25.3", [], ["google/protobuf/__init__.py"], [], ["google"]),
    ("black", "24.2.0", ["click>=8.0.0", "mypy-extensions>=0.4.3", "packaging>=22.0",
                         "pathspec>=0.9.0", "platformdirs>=2",
                         'tomli>=1.1.0; python_version < "3.11"'],
     ["black/__init__.py", "blackd/__init__.py"], ["black", "blackd"], ["black", "blackd"]),
    ("mypy-extensions", "1.0.0", [], ["mypy_extensions.py"], [], ["mypy_extensions"]),
    ("packaging", "23.2", [], ["packaging/__init__.py"], [], ["packaging"]),
    ("pathspec", "0.12.1", [], ["pathspec/__init__.py"], [], ["pathspec"]),
    ("platformdirs", "4.2.0", [], ["platformdirs/__init__.py"], [], ["platformdirs"]),
    ("tomli", "2.0.1", [], ["tomli/__init__.py"], [], ["tomli"]),
    ("httpx", "0.27.0", ["anyio", "certifi", "httpcore==1.*", "idna", "sniffio"],
     ["httpx/__init__.py"], ["httpx"], ["httpx"]),
    ("anyio", "4.3.0", ["idna>=2.8", "sniffio>=1.1"], ["anyio/__init__.py"], [], ["anyio"]),
    ("httpcore", "1.0.4", ["certifi", "h11<0.15,>=0.13"], ["httpcore/__init__.py"], [],
     ["httpcore"]),
    ("sniffio", "1.3.1", [], ["sniffio/__init__.py"], [], ["sniffio"]),
    ("h11", "0.14.0", [], ["h11/__init__.py"], [], ["h11"]),
    ("matplotlib", "3.8.3", ["numpy<2,>=1.21", "packaging>=20.0", "pillow>=8",
                             "pyparsing>=2.3.1", "python-dateutil>=2.7"],
     ["matplotlib/__init__.py", "mpl_toolkits/mplot3d/__init__.py"], [], ["matplotlib",
                                                                          "mpl_toolkits"]),
    ("pillow", "10.2.0", [], ["PIL/__init__.py", "PIL/Image.py"], [], ["PIL"]),
    ("pyparsing", "3.1.1", [], ["pyparsing/__init__.py"], [], ["pyparsing"]),
    ("ipykernel", "6.29.3", ["ipython>=7.23.1", "traitlets>=5.4.0"],
     ["ipykernel/__init__.py"], [], ["ipykernel"]),
    ("ipython", "8.22.1", ["traitlets>=5.13.0"], ["IPython/__init__.py"], ["ipython"],
     ["IPython"]),
    ("traitlets", "5.14.1", [], ["traitlets/__init__.py"], [], ["traitlets"]),
    ("pytest", "8.0.2", ["iniconfig", "packaging", "pluggy<2.0,>=1.3.0",
                         'exceptiongroup>=1.0.0rc8; python_version < "3.11"',
                         'colorama; sys_platform == "win32"'],
     ["pytest/__init__.py", "_pytest/__init__.py", "py.py"], ["pytest", "py.test"],
     ["_pytest", "py", "pytest"]),
    ("iniconfig", "2.0.0", [], ["iniconfig/__init__.py"], [], ["iniconfig"]),
    ("pluggy", "1.4.0", [], ["pluggy/__init__.py"], [], ["pluggy"]),
    ("exceptiongroup", "1.2.0", [], ["exceptiongroup/__init__.py"], [], ["exceptiongroup"]),
    ("types-requests", "2.31.0.20240218", ["urllib3>=2"], ["requests-stubs/__init__.pyi"], [],
     ["requests-stubs"]),
]


def main() -> None:
    venv = SITE.parents[2]
    if venv.exists():
        shutil.rmtree(venv)
    SITE.mkdir(parents=True)
    (venv / "pyvenv.cfg").write_text(
        "home = /usr/bin\ninclude-system-site-packages = false\nversion = 3.11.9\n"
    )
    for name, version, requires, modules, scripts, top_level in DISTS:
        folder = SITE / f"{name.replace('-', '_')}-{version}.dist-info"
        folder.mkdir()
        meta = ["Metadata-Version: 2.1", f"Name: {name}", f"Version: {version}"]
        meta += [f"Requires-Dist: {r}" for r in requires]
        (folder / "METADATA").write_text("\n".join(meta) + "\n\n")
        if top_level:
            (folder / "top_level.txt").write_text("\n".join(top_level) + "\n")
        if scripts:
            lines = ["[console_scripts]"] + [f"{s} = {name}.cli:main" for s in scripts]
            (folder / "entry_points.txt").write_text("\n".join(lines) + "\n")
        record = [f"{m},sha256=x,1" for m in modules]
        record += [f"{folder.name}/{f}," for f in ("METADATA", "RECORD")]
        record += [f"../../../bin/{s},sha256=x,1" for s in scripts]
        (folder / "RECORD").write_text("\n".join(record) + "\n")
    # a source file inside the venv: the import scan must never see it
    (SITE / "vendored_evil.py").write_text("import boto3\n")


if __name__ == "__main__":
    main()
