"""The command line's words, both ways: the parser of `python -m digitnet train|predict` and the
settings its arguments ask for, and the `train` command that asks for given settings (exported
code names it in its header)."""

import argparse

from .lesson.settings import BINARY_LOSSES, INITS, KINDS, MAX_EPOCHS, OPTIMISERS, Settings

DESCRIPTION = "The command line: `python -m digitnet train ...` and `python -m digitnet predict ...`."
DEFAULTS = Settings()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m digitnet", description=DESCRIPTION)
    commands = parser.add_subparsers(dest="command", required=True)

    train = commands.add_parser("train", help="train a model and print the lesson's table")
    train.add_argument("--model", choices=KINDS, default=DEFAULTS.model)
    train.add_argument(
        "--digits", nargs="+", default=[str(d) for d in DEFAULTS.digits], metavar="D",
        help="two digits, the second being label 1 (default: 2 6), or 'all'",
    )
    train.add_argument("--epochs", type=int, default=DEFAULTS.epochs, help=f"1 to {MAX_EPOCHS}")
    train.add_argument("--lr", type=float, default=DEFAULTS.lr, help="learning rate")
    train.add_argument("--bs", type=int, default=DEFAULTS.bs, help="batch size")
    train.add_argument("--loss", choices=BINARY_LOSSES, default=DEFAULTS.loss)
    train.add_argument("--opt", choices=OPTIMISERS, default=DEFAULTS.opt)
    train.add_argument("--no-shuffle", dest="shuffle", action="store_false")
    train.add_argument("--augment", action="store_true", help="random shifts and turns of each batch")
    train.add_argument("--seed", type=int)
    train.add_argument("--hidden", type=int, nargs="+", default=list(DEFAULTS.hidden), metavar="N")
    train.add_argument("--init", choices=INITS, default=DEFAULTS.init)
    train.add_argument("--data", dest="data_folder", metavar="FOLDER",
                       help="MNIST IDX files or an mnist_png folder (default: $DIGITNET_DATA, else assets/)")
    train.add_argument("--save", metavar="FILE", help="save the trained model (.safetensors)")
    train.add_argument("--export", metavar="FILE",
                       help="write the run as plain PyTorch that replays it: a script (.py) or a notebook (.ipynb)")
    train.add_argument("--force", action="store_true", help="replace the files of --save and --export if they exist")
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
    digits = " ".join(map(str, s.digits)) if s.pair else "all"
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


def settings_from(args) -> Settings:
    """The settings `train`'s arguments ask for; SettingsError names the first bad one."""
    return Settings(
        model=args.model, digits=" ".join(args.digits), lr=args.lr, bs=args.bs, epochs=args.epochs,
        loss=args.loss, opt=args.opt, shuffle=args.shuffle, augment=args.augment, seed=args.seed,
        hidden=tuple(args.hidden), init=args.init,
    ).checked()
