"""The command line: `python -m digitnet train ...` and `python -m digitnet predict ...`."""

import argparse
import json
import sys
import time

from .errors import DigitnetError, Diverged, EmptyImage, ImageError
from .lesson.settings import MAX_EPOCHS, Settings

DEFAULTS = Settings()
BAR_AFTER = 0.5  # seconds into an epoch before a progress bar is worth drawing


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m digitnet", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    train = commands.add_parser("train", help="train a model and print the lesson's table")
    train.add_argument("--model", choices=("linear", "mlp"), default=DEFAULTS.model)
    train.add_argument(
        "--digits", nargs="+", default=[str(d) for d in DEFAULTS.digits], metavar="D",
        help="two digits, the second being label 1 (default: 2 6), or 'all'",
    )
    train.add_argument("--epochs", type=int, default=DEFAULTS.epochs, help=f"1 to {MAX_EPOCHS}")
    train.add_argument("--lr", type=float, default=DEFAULTS.lr, help="learning rate")
    train.add_argument("--bs", type=int, default=DEFAULTS.bs, help="batch size")
    train.add_argument("--loss", choices=("mnist", "bce"), default=DEFAULTS.loss)
    train.add_argument("--opt", choices=("sgd", "momentum", "adam"), default=DEFAULTS.opt)
    train.add_argument("--no-shuffle", dest="shuffle", action="store_false")
    train.add_argument("--augment", action="store_true", help="random shifts and turns of each batch")
    train.add_argument("--seed", type=int)
    train.add_argument("--hidden", type=int, nargs="+", default=list(DEFAULTS.hidden), metavar="N")
    train.add_argument("--init", choices=("scaled", "randn"), default=DEFAULTS.init)
    train.add_argument("--data", dest="data_folder", metavar="FOLDER",
                       help="MNIST IDX files or an mnist_png folder (default: $DIGITNET_DATA, else assets/)")
    train.add_argument("--save", metavar="FILE", help="save the trained model (.safetensors)")
    train.add_argument("--export", metavar="FILE",
                       help="write the run as plain PyTorch that replays it: a script (.py) or a notebook (.ipynb)")
    train.add_argument("--json", action="store_true", help="one JSON object per line")
    train.set_defaults(command_parser=train)

    predict = commands.add_parser(
        "predict", help="classify images of handwritten digits",
        usage="python -m digitnet predict [--model FILE | --digits D D | --digits all] IMAGE... [--json]",
        description="Without --model, the default three-layer net for the digits answers (2 vs 6 unless --digits "
                    "says otherwise): the shipped one, or, for a pair that ships none, one trained now (seconds).",
    )
    which = predict.add_mutually_exclusive_group()
    which.add_argument("--model", metavar="FILE", help="a model file saved by train")
    which.add_argument("--digits", nargs="+", metavar="D", help="two digits (the second is label 1), or 'all'")
    predict.add_argument("images", nargs="*", metavar="IMAGE", help="png or jpg files")
    predict.add_argument("--json", action="store_true", help="one JSON object per line")
    predict.set_defaults(command_parser=predict)
    return parser


def train_command(settings: Settings) -> list[str]:
    """The command line that trains a run with these settings, an option (with its values) a word."""
    s = settings.checked()
    digits = "all" if len(s.digits) == 10 else " ".join(map(str, s.digits))
    words = ["python -m digitnet train", f"--model {s.model}", f"--digits {digits}", f"--epochs {s.epochs}",
             f"--lr {s.lr!r}", f"--bs {s.bs}", f"--loss {s.loss}", f"--opt {s.opt}"]
    if not s.shuffle:
        words.append("--no-shuffle")
    if s.augment:
        words.append("--augment")
    if s.seed is not None:
        words.append(f"--seed {s.seed}")
    if s.model == "mlp":
        words.append(f"--hidden {' '.join(map(str, s.hidden))}")
    return words + [f"--init {s.init}"]


def main(argv=None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return train(args) if args.command == "train" else predict(args)
    except DigitnetError as exc:
        print(f"digitnet: {exc}", file=sys.stderr)
        return 2


def settings_from(args) -> Settings:
    """The settings `train`'s arguments ask for; SettingsError names the first bad one."""
    return Settings(
        model=args.model, digits=" ".join(args.digits), lr=args.lr, bs=args.bs, epochs=args.epochs,
        loss=args.loss, opt=args.opt, shuffle=args.shuffle, augment=args.augment, seed=args.seed,
        hidden=tuple(args.hidden), init=args.init,
    ).checked()


def train(args) -> int:
    from .files.modelfile import check_destination, save_model
    from .lesson.dataset import load_dataset
    from .lesson.learner import EpochResult, Run

    try:
        settings = settings_from(args)
    except DigitnetError as exc:
        args.command_parser.error(str(exc))
    if args.save:
        check_destination(args.save)
    if args.export:
        from .export import writer

        writer.check_destination(args.export)
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
        summary["saved"] = str(save_model(args.save, run.model, run.settings, metrics))
    if args.export:
        summary["exported"] = export(run, args.export, args.data_folder)
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


def export(run, path: str, data_folder: str | None) -> str | None:
    """Write the run as code to `path`; the path, or None and why not on stderr (a run stopped before
    its first epoch ends has nothing to replay)."""
    from .export.writer import write
    from .files.mnist import open_source

    try:
        return str(write(run, path, str(open_source(data_folder).folder.resolve())))
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
    known = "a digit" if len(digits) == 10 else either_digit(digits)
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
