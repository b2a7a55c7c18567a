"""What `python -m digitnet train` and `predict` do: train a run and print the lesson's table (and save
or export it), or classify images as the Draw page does. Their arguments: arguments.py."""

import io
import json
import os
import sys
import time

from .arguments import build_parser, settings_from
from .errors import DigitnetError, Diverged, EmptyImage, ImageError

BAR_AFTER = 0.5  # seconds into an epoch before a progress bar is worth drawing


def main(argv=None) -> int:
    # A file name that is not UTF-8 reaches Python with stand-ins for its odd bytes: print those bytes
    # back, as ls does, rather than fail on them after the training (stderr already escapes them).
    if isinstance(sys.stdout, io.TextIOWrapper):
        sys.stdout.reconfigure(errors="surrogateescape")
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return train(args) if args.command == "train" else predict(args)
    except DigitnetError as exc:
        print(f"digitnet: {exc}", file=sys.stderr)
        return 2


def train(args) -> int:
    from .files.modelfile import check_destination, save_model
    from .lesson.dataset import load_dataset
    from .lesson.run import EpochResult, Run

    try:
        settings = settings_from(args)
    except DigitnetError as exc:
        args.command_parser.error(str(exc))
    if args.save and args.export and os.path.abspath(args.save) == os.path.abspath(args.export):
        args.command_parser.error(f"--save and --export both name {args.save}; give each its own file")
    if args.save:
        check_destination(args.save, args.force)
    if args.export:
        from .export import writer

        writer.check_destination(args.export, args.force)
        writer.check_source(args.data_folder)
    data = load_dataset(settings.digits, args.data_folder)
    run = Run(settings, data, name="a run of `python -m digitnet train`")
    if not data.binary:
        print("note: ten digits are trained with cross-entropy; --loss does not apply", file=sys.stderr)
    if not args.json:
        print(f"{data}\n{run.settings.describe()}, seed {run.settings.seed}")
        print(f"{'epoch':>5}  {'train_loss':>10}  {'valid_loss':>10}  {'accuracy':>8}  {'time':>7}")
    started, error = time.perf_counter(), None
    epoch_start = started
    try:
        for event in run.fit():
            if isinstance(event, EpochResult):
                _clear_bar()
                if args.json:
                    print(json.dumps(event.to_dict()), flush=True)
                else:
                    print(
                        f"{event.epoch:>5}  {event.train_loss:>10.6f}  {event.valid_loss:>10.6f}  "
                        f"{event.accuracy:>8.4f}  {event.seconds:>6.2f}s",
                        flush=True,
                    )
                epoch_start = time.perf_counter()
            elif time.perf_counter() - epoch_start > BAR_AFTER:
                _draw_bar(event)
    except Diverged as exc:
        error = str(exc)
    except KeyboardInterrupt:
        pass  # stopped between batches: keep, report and save what was learned
    _clear_bar()
    metrics = {"accuracy": None, "valid_loss": None} if error else run.metrics()
    summary = {
        "done": error is None, "n_train": len(data.train_x), "n_valid": len(data.valid_x),
        "accuracy": metrics["accuracy"], "valid_loss": metrics["valid_loss"], "epochs": len(run.history),
        "seconds": round(time.perf_counter() - started, 3), "stopped": run.status == "stopped",
        "settings": run.settings.to_dict(),
    }
    if error:
        summary["error"] = error
    elif args.save:
        summary["saved"] = str(save_model(args.save, run.model, run.settings, metrics, args.force))
    if args.export:
        summary["exported"] = export(run, args.export, args.data_folder, args.force)
    if args.json:
        print(json.dumps(summary), flush=True)
    elif error is None:
        print(f"{run.status}: validation accuracy {metrics['accuracy']:.4f} after {len(run.history)} epochs")
        if args.save:
            print(f"saved {summary['saved']}")
    if args.export and summary["exported"] and not args.json:
        print(f"exported {summary['exported']}")
    if error:
        print(f"digitnet: {error}", file=sys.stderr)
    return 1 if error or (args.export and not summary["exported"]) else 0


def export(run, path: str, data_folder: str | None, replace: bool) -> str | None:
    """Write the run as code to `path`; the path, or None and why not on stderr (a run stopped before
    its first epoch ends has nothing to replay)."""
    from .export.writer import write
    from .files.mnist import open_source

    try:
        return str(write(run, path, str(open_source(data_folder).folder.resolve()), replace))
    except DigitnetError as exc:
        print(f"digitnet: {exc}", file=sys.stderr)
        return None


def answering_model(args):
    """The model file asked for, or the default three-layer net for the digits (2 vs 6 by default)."""
    from .drawing.defaults import default_model, shipped_path
    from .files.modelfile import read_model_file
    from .lesson.dataset import DEFAULT_DIGITS, describe_digits, parse_digits

    if args.digits:  # 'all' or two digits: argparse gave it every word up to the next option, images too
        take = 1 if args.digits[0].lower() == "all" else 2
        args.digits, args.images = args.digits[:take], args.digits[take:] + args.images
    if not args.images:
        args.command_parser.error("the following arguments are required: IMAGE")
    if args.model:
        return read_model_file(args.model)
    try:
        digits = parse_digits(" ".join(args.digits)) if args.digits else DEFAULT_DIGITS
    except DigitnetError as exc:
        args.command_parser.error(str(exc))
    if not shipped_path("mlp", digits).exists():
        print(f"note: no default model ships for {describe_digits(digits)}; training one now, as the Draw page does",
              file=sys.stderr)
    return default_model("mlp", digits)


def predict(args) -> int:
    from .drawing.predict import classify, threshold_of
    from .drawing.preprocess import open_image, preprocess
    from .lesson.dataset import either_digit

    saved = answering_model(args)
    threshold = threshold_of(saved.metrics)
    digits = saved.settings.digits
    known = either_digit(digits) if saved.settings.pair else "a digit"
    status = 0
    for path in args.images:
        try:
            answer = classify(saved.model, preprocess(open_image(path)), digits, threshold)
            row = {"file": path, "digit": answer.digit, "probability": round(answer.probability, 4),
                   "sure": answer.sure}
            text = f"{path}: {answer.digit} (probability {answer.probability:.3f})"
            if not answer.sure:
                text = f"{path}: not sure it is {known}; best guess {answer.digit} ({answer.probability:.3f})"
        except EmptyImage as exc:
            row, text = {"file": path, "digit": None, "reason": str(exc)}, f"{path}: no digit ({exc})"
        except (ImageError, FileNotFoundError, IsADirectoryError, PermissionError) as exc:
            status = 2
            reason = str(exc) if isinstance(exc, ImageError) else f"cannot open ({exc.strerror})"
            row, text = {"file": path, "digit": None, "error": reason}, f"{path}: {reason}"
            if not args.json:
                print(f"digitnet: {text}", file=sys.stderr)
                continue
        print(json.dumps(row) if args.json else text, flush=True)
    return status


def _draw_bar(event, width: int = 30) -> None:
    if sys.stderr.isatty():
        done = round(width * event.batch / event.n_batches)
        bar = "#" * done + "." * (width - done)
        sys.stderr.write(f"\r  epoch {event.epoch} [{bar}] {event.batch}/{event.n_batches}  loss {event.loss:.4f}")
        sys.stderr.flush()


def _clear_bar() -> None:
    if sys.stderr.isatty():
        sys.stderr.write("\r\033[K")
        sys.stderr.flush()
