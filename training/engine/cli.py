"""``python -m training.engine train|eval``: a progress bar on stderr, JSON lines on stdout."""

from __future__ import annotations

import argparse
import dataclasses
import json
import signal
import sys
from typing import Any

from training.engine.config import ConfigError, TrainConfig
from training.engine.data import DataError


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return int(args.run(args))
    except (ConfigError, DataError) as exc:
        print(json.dumps({"event": "error", "message": str(exc)}), flush=True)
        return 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m training.engine")
    sub = parser.add_subparsers(required=True)
    train = sub.add_parser("train", help="train a reward model")
    train.add_argument("--data", required=True, help="pairs or rankings JSONL(.gz)")
    train.add_argument("--out", required=True, help="output folder (checkpoints live inside)")
    train.add_argument("--eval-data", help="held-out JSONL(.gz) for evaluation / early stopping")
    train.add_argument("--config", help="JSON file with TrainConfig fields")
    train.add_argument("--no-resume", action="store_true", help="ignore existing checkpoints")
    train.add_argument("--quiet", action="store_true", help="no progress bar")
    for f in dataclasses.fields(TrainConfig):
        if f.name != "extra":
            train.add_argument(f"--{f.name.replace('_', '-')}", dest=f.name, default=None)
    train.set_defaults(run=_train)
    ev = sub.add_parser("eval", help="evaluate a saved model; prints one JSON object")
    ev.add_argument("--model", required=True)
    ev.add_argument("--data", required=True)
    ev.add_argument("--device", default="auto")
    ev.set_defaults(run=_eval)
    return parser


def _config(args: argparse.Namespace) -> TrainConfig:
    values: dict[str, Any] = {}
    if args.config:
        with open(args.config) as fh:
            values.update(json.load(fh))
    defaults = TrainConfig()
    for f in dataclasses.fields(TrainConfig):
        raw = getattr(args, f.name, None)
        if raw is not None and "None" in str(f.type) and raw.lower() in ("none", "null"):
            values[f.name] = None  # e.g. --dropout none: the backbone's own dropout
        elif raw is not None:
            values[f.name] = _coerce(f.name, raw, getattr(defaults, f.name))
    return TrainConfig.from_dict(values)


def _coerce(name: str, raw: str, default: Any) -> Any:
    try:
        if isinstance(default, bool):
            if raw.lower() not in ("1", "0", "true", "false", "yes", "no"):
                raise ValueError(raw)
            return raw.lower() in ("1", "true", "yes")
        if isinstance(default, int):
            return int(raw)
        if isinstance(default, float) or default is None:
            return float(raw)
    except ValueError:
        raise ConfigError(
            f"--{name.replace('_', '-')}={raw!r}: not a {type(default).__name__}"
        ) from None
    return raw


def _train(args: argparse.Namespace) -> int:
    from training.engine import distributed
    from training.engine.trainer import train

    config = _config(args)
    bar = None if args.quiet else _Bar()
    stop = {"now": False}
    # Ctrl-C / SIGTERM: finish the step, checkpoint, exit; a rerun resumes.
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.update(now=True))

    def on_event(event: dict[str, Any]) -> None:
        if bar is not None:
            bar.update(event)
        print(json.dumps(event, default=str), flush=True)

    result = train(
        config,
        args.data,
        args.eval_data,
        args.out,
        on_event=on_event,
        should_stop=lambda: stop["now"],
        resume=not args.no_resume,
    )
    if bar is not None:
        bar.close()
    if distributed.launched_rank() == 0:  # under torchrun, one summary (events: rank 0)
        summary = {"event": "done", **dataclasses.asdict(result)}
        print(json.dumps(summary, default=str), flush=True)
    return 0 if result.status != "cancelled" else 3


def _eval(args: argparse.Namespace) -> int:
    from training.engine.evaluate import evaluate

    print(json.dumps(evaluate(args.model, args.data, device=args.device)), flush=True)
    return 0


class _Bar:
    def __init__(self) -> None:
        from tqdm import tqdm  # type: ignore[import-untyped]

        self.tqdm = tqdm
        self.bar: Any = None

    def update(self, event: dict[str, Any]) -> None:
        if event.get("event") != "step":
            return
        if self.bar is None:
            self.bar = self.tqdm(total=event["total_steps"], file=sys.stderr, unit="step")
        self.bar.n = event["step"]
        self.bar.set_postfix(loss=f"{event['loss']:.3f}", pairs_s=event["pairs_per_s"])

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
