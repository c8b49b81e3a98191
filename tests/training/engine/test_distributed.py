"""DDP under torchrun, on CPU with the gloo backend: the multi-GPU code path, minus the GPUs.

Two ranks taking every other batch of the same plan, their gradients averaged, make the
same optimizer steps as one process accumulating two batches per step (a rank short of a
batch adds one at loss scale 0, as the one process's last step holds a single batch).
"""

import dataclasses
import json
import os
import signal
import subprocess
import sys

import pytest
from safetensors.torch import load_file
from torch.testing import assert_close

from tests.training.engine.helpers import PAIRS, RANKINGS, tiny_config
from training.engine import train


def _torchrun(config_file, data, out, *extra):
    """The command a user runs on a machine with two GPUs, here on two CPU processes."""
    return [
        sys.executable,
        "-m",
        "torch.distributed.run",
        "--standalone",
        "--nproc-per-node",
        "2",
        "-m",
        "training.engine",
        "train",
        "--config",
        str(config_file),
        "--data",
        str(data),
        "--out",
        str(out),
        "--quiet",
        *extra,
    ]


def _env():
    return {**os.environ, "OMP_NUM_THREADS": "1", "HF_HUB_OFFLINE": "1"}


@pytest.fixture
def setup(tiny_bert, tmp_path):
    data = tmp_path / "data.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in PAIRS + RANKINGS))
    values = tiny_config(tiny_bert, token_budget=128, num_threads=1, device="cpu")
    return data, values


def _write_config(path, config):
    path.write_text(json.dumps(config.to_dict()))
    return path


def _events(stdout):
    return [json.loads(line) for line in stdout.splitlines() if line.startswith("{")]


def test_two_ranks_train_like_one_process_accumulating_two_batches(setup, tmp_path):
    data, config = setup
    config.epochs = 1.0  # DDP steps never straddle an epoch; one process's accumulation can
    single = train(dataclasses.replace(config, grad_accum=2), data, out_dir=tmp_path / "one")
    run = subprocess.run(
        _torchrun(_write_config(tmp_path / "c.json", config), data, tmp_path / "ddp"),
        capture_output=True,
        text=True,
        env=_env(),
        timeout=150,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    events = _events(run.stdout)
    done = [e for e in events if e["event"] == "done"]
    assert len(done) == 1  # rank 0 speaks for the job
    assert done[0]["steps"] == single.steps
    assert done[0]["pairs_seen"] == single.pairs_seen
    assert [e["step"] for e in events if e["event"] == "step"] == list(range(1, single.steps + 1))
    ddp, one = (
        load_file(str(tmp_path / "ddp/model.safetensors")),
        load_file(str(tmp_path / "one/model.safetensors")),
    )
    assert ddp.keys() == one.keys()
    for key in one:
        assert_close(ddp[key], one[key], rtol=1e-4, atol=1e-6, msg=key)


def test_a_terminated_torchrun_job_checkpoints_and_resumes_to_the_same_weights(setup, tmp_path):
    data, config = setup
    config.epochs = 40.0
    config_file = _write_config(tmp_path / "c.json", config)
    whole = subprocess.run(
        _torchrun(config_file, data, tmp_path / "whole", "--no-resume"),
        capture_output=True,
        text=True,
        env=_env(),
        timeout=150,
    )
    assert whole.returncode == 0, whole.stderr[-3000:]

    out = tmp_path / "cut"
    job = subprocess.Popen(
        _torchrun(config_file, data, out),
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=_env(),
    )
    assert job.stdout is not None
    for line in job.stdout:  # SIGTERM to torchrun, as a scheduler stops a job
        if line.startswith('{"event": "step"') and json.loads(line)["step"] >= 3:
            job.send_signal(signal.SIGTERM)
            break
    rest = job.stdout.read()
    job.wait(timeout=120)
    assert not (out / "model.safetensors").exists()  # stopped before the end ...
    assert list((out / "checkpoints").glob("step-*"))  # ... with rank 0's checkpoint
    assert '"event": "done"' not in rest or '"cancelled"' in rest

    resumed = subprocess.run(
        _torchrun(config_file, data, out), capture_output=True, text=True, env=_env(), timeout=150
    )
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    assert any("resumed from step-" in e.get("message", "") for e in _events(resumed.stdout))
    a, b = (
        load_file(str(tmp_path / "whole/model.safetensors")),
        load_file(str(out / "model.safetensors")),
    )
    for key in a:
        assert a[key].equal(b[key]), key
