"""The real public data in ../shared/data beside the project (read in place, never copied)."""

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("RANKWISE_SHARED_DATA", ROOT.parent / "shared" / "data"))
ALPACA_K4 = SHARED_DATA / "alpaca_eval_k4.jsonl.gz"
HH_PAIRS = SHARED_DATA / "hh_rlhf_harmless_pairs.jsonl.gz"
