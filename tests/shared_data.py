"""The real public data in ../shared/data beside the project (read in place, never copied).

``RANKWISE_SHARED_DATA`` names another folder. A clone of a local checkout made elsewhere
(``git clone . /tmp/x/p``) finds the data beside the checkout it was cloned from."""

import os
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _locate() -> Path:
    if "RANKWISE_SHARED_DATA" in os.environ:
        return Path(os.environ["RANKWISE_SHARED_DATA"])
    beside = ROOT.parent / "shared" / "data"
    if beside.is_dir():
        return beside
    origin = subprocess.run(
        ["git", "-C", str(ROOT), "remote", "get-url", "origin"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    if origin and Path(origin).is_dir():
        cloned_from = Path(origin).resolve().parent / "shared" / "data"
        if cloned_from.is_dir():
            return cloned_from
    return beside


SHARED_DATA = _locate()
ALPACA_K4 = SHARED_DATA / "alpaca_eval_k4.jsonl.gz"
HH_PAIRS = SHARED_DATA / "hh_rlhf_harmless_pairs.jsonl.gz"
