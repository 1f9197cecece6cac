"""Load the raw data."""
from __future__ import annotations

import importlib
import json

import numpy as np
import pandas as pd
import yaml
from sklearn.model_selection import train_test_split

import utils

httpx = __import__("httpx")
tomli = importlib.import_module("tomli")
local = importlib.import_module(".helpers", package="pkg")


def main() -> None:
    config = yaml.safe_load(open("config.yml"))
    frame = pd.DataFrame(json.loads(utils.read(config["source"])))
    train, test = train_test_split(np.asarray(frame))
