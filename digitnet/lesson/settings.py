"""Every choice a training run depends on, checked in one place.

The same Settings come from the command line, the app's widgets and a shared URL.
"""

from dataclasses import asdict, dataclass, fields, replace

from ..errors import DigitnetError, SettingsError
from .dataset import DEFAULT_DIGITS, describe_digits, is_pair, outputs_for, parse_digits

# The choices and their names, here so that checking settings needs no torch (the first page loads fast).
MODEL_NAMES = {"linear": "linear model", "mlp": "three-layer net"}
KINDS = tuple(MODEL_NAMES)
INIT_NAMES = {"scaled": "randn / sqrt(inputs)", "randn": "randn (the lesson's)"}
INITS = tuple(INIT_NAMES)
N_PIXELS = 28 * 28  # a model's inputs: one per pixel
LOSS_NAMES = {"mnist": "mnist_loss (the lesson's)", "bce": "binary cross-entropy"}
BINARY_LOSSES = tuple(LOSS_NAMES)
OPTIMISER_NAMES = {"sgd": "SGD, hand-written", "momentum": "SGD with momentum", "adam": "Adam"}
OPTIMISERS = tuple(OPTIMISER_NAMES)
DEFAULT_HIDDEN = (40, 20)
MAX_HIDDEN_LAYERS, MAX_UNITS = 4, 1024
# A model's file must load back in the app, whose uploads stop at 5 MB (.streamlit/config.toml):
# 4 bytes a parameter leaves room for 1.2 million (a first layer of 1024, or four of 512).
MAX_PARAMETERS = 1_200_000
MAX_LR = 100.0
LEARNING_RATES = (0.0001, 0.0003, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0, 30.0, 100.0)  # offered in the app
BATCH_SIZES = (1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096)  # offered, with "all"
MAX_BS = 60_000  # the largest training set: all ten digits
MAX_EPOCHS = 1000
MAX_SEED = 2**32 - 1
ECHOED = 40  # characters of a bad value quoted back: a link can carry 100 KB, a model file a number of 400 digits


@dataclass(frozen=True)
class Settings:
    model: str = "mlp"
    digits: tuple[int, ...] = DEFAULT_DIGITS
    lr: float = 0.003
    bs: int = 64
    epochs: int = 5
    loss: str = "bce"
    opt: str = "adam"
    shuffle: bool = True
    augment: bool = False
    seed: int | None = None  # None: a fresh random seed, recorded in the run
    hidden: tuple[int, ...] = DEFAULT_HIDDEN
    init: str = "scaled"

    def checked(self) -> "Settings":
        """These settings with digits and sizes normalised; SettingsError names the first bad one."""
        _choice("model", self.model, KINDS)
        _choice("loss", self.loss, BINARY_LOSSES)
        _choice("opt", self.opt, OPTIMISERS)
        _choice("init", self.init, INITS)
        for name in ("shuffle", "augment"):
            if not isinstance(getattr(self, name), bool):
                raise SettingsError(f"{name} must be true or false; got {getattr(self, name)!r}")
        lr_is_number = isinstance(self.lr, int | float) and not isinstance(self.lr, bool)
        # Compared, never converted: NaN fails the comparison, and a whole number past the largest float
        # (a model file's JSON can hold 10**400) compares exactly where math.isfinite would overflow.
        if not (lr_is_number and 0 < self.lr <= MAX_LR):
            raise SettingsError(f"learning rate must be above 0 and at most {MAX_LR:g}; got {_shown(self.lr)}")
        _whole("batch size", self.bs, 1, MAX_BS)
        _whole("epochs", self.epochs, 1, MAX_EPOCHS)
        if self.seed is not None:
            _whole("seed", self.seed, 0, MAX_SEED)
        try:
            digits = parse_digits(self.digits)
        except DigitnetError as exc:
            raise SettingsError(str(exc)) from None
        hidden = check_hidden(self.hidden)
        if self.model == "mlp" and (n := parameter_count(layer_sizes(self.model, hidden, outputs_for(digits)))) \
                > MAX_PARAMETERS:
            raise SettingsError(
                f"hidden sizes {', '.join(map(str, hidden))} make a net of {n:,} parameters; at most "
                f"{MAX_PARAMETERS:,}, so that its model file loads back (a first layer of 1024, or four of 512)"
            )
        return replace(self, digits=digits, hidden=hidden)

    def replace(self, **changes) -> "Settings":
        return replace(self, **changes)

    @property
    def pair(self) -> bool:
        """Whether the task is a pair of digits (dataset.is_pair), not all ten."""
        return is_pair(self.digits)

    @property
    def n_outputs(self) -> int:
        return outputs_for(self.digits)

    @property
    def layer_sizes(self) -> tuple[int, ...]:
        """The model's sizes, inputs to outputs: (784, 1) for the linear model of a pair, (784, 40, 20, 1)
        for the default three-layer net."""
        return layer_sizes(self.model, self.hidden, self.n_outputs)

    def describe(self) -> str:
        model = "linear" if self.model == "linear" else "mlp " + "-".join(map(str, self.hidden))
        loss = self.loss if self.pair else "cross-entropy"
        return (
            f"{model}, {describe_digits(self.digits)}, lr {self.lr:g}, bs {self.bs}, {loss}, "
            f"{self.opt}, {'shuffled' if self.shuffle else 'unshuffled'}"
            f"{', augmented' if self.augment else ''}"
        )

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, values: dict) -> "Settings":
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in values.items() if k in known}).checked()

    def to_query(self) -> dict[str, str]:
        """URL parameters that differ from the defaults."""
        default = Settings()
        return {
            f.name: _to_text(getattr(self, f.name))
            for f in fields(self)
            if getattr(self, f.name) != getattr(default, f.name)
        }

    @classmethod
    def from_query(cls, params) -> tuple["Settings", list[str]]:
        """Settings from URL parameters; a bad parameter is skipped and reported, never fatal."""
        settings, problems = cls(), []
        types = {f.name: f.default for f in fields(cls)}
        for name, text in params.items():
            if name not in types:
                continue
            try:
                candidate = settings.replace(**{name: _from_text(name, text, types[name])})
                settings = candidate.checked()
            except (SettingsError, ValueError):
                problems.append(f"ignored {name}={_shown(text)} from the link")
        return settings, problems


# The lesson's recipe: the from-scratch model, plain SGD at lr 1, mnist_loss, data in class order.
LESSON = Settings(model="linear", lr=1.0, bs=256, epochs=40, loss="mnist", opt="sgd", shuffle=False)
RECOMMENDED = Settings()


def distinguishing_labels(all_settings: list[Settings]) -> list[str]:
    """A short label per settings naming only what differs among them: "lr 0.1", "lr 1"."""
    differing = [
        f.name for f in fields(Settings)
        if f.name != "epochs" and len({_to_text(getattr(s, f.name)) for s in all_settings}) > 1
    ]
    return [", ".join(f"{name} {_to_text(getattr(s, name))}" for name in differing) for s in all_settings]


def layer_sizes(model: str, hidden: tuple[int, ...], n_outputs: int) -> tuple[int, ...]:
    """A model's sizes from its inputs to its outputs; only the three-layer net has hidden layers."""
    return (N_PIXELS, *(hidden if model == "mlp" else ()), n_outputs)


def parameter_count(sizes: tuple[int, ...]) -> int:
    """Weights and biases of a model of these layer_sizes."""
    return sum((fan_in + 1) * fan_out for fan_in, fan_out in zip(sizes, sizes[1:]))


def check_hidden(hidden) -> tuple[int, ...]:
    try:
        hidden = tuple(int(h) for h in hidden)
    except (TypeError, ValueError, OverflowError):  # int(inf) overflows
        raise SettingsError(f"hidden sizes must be whole numbers; got {_shown(hidden)}") from None
    if not 1 <= len(hidden) <= MAX_HIDDEN_LAYERS or not all(1 <= h <= MAX_UNITS for h in hidden):
        raise SettingsError(f"hidden sizes: 1 to {MAX_HIDDEN_LAYERS} layers of 1 to {MAX_UNITS} units; "
                            f"got {_shown(hidden)}")
    return hidden


def _choice(name: str, value, choices) -> None:
    if value not in choices:
        raise SettingsError(f"{name} must be one of {', '.join(choices)}; got {_shown(value)}")


def _whole(name: str, value, low: int, high: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise SettingsError(f"{name} must be a whole number from {low} to {high}; got {_shown(value)}")


def _shown(value) -> str:
    """A bad value quoted back as Python writes it, at most its first ECHOED characters."""
    text = repr(value)
    return text if len(text) <= ECHOED else text[:ECHOED] + "..."


def _to_text(value) -> str:
    if isinstance(value, tuple):
        return "all" if value == tuple(range(10)) else "-".join(map(str, value))
    if isinstance(value, bool):
        return "1" if value else "0"
    return str(value)


def _from_text(name: str, text: str, default):
    if name == "seed":
        return None if text in ("", "none") else int(text)
    if isinstance(default, tuple):
        return text if text == "all" else tuple(int(part) for part in text.split("-"))
    if isinstance(default, bool):
        if text.lower() not in ("1", "0", "true", "false"):
            raise ValueError(text)
        return text.lower() in ("1", "true")
    return type(default)(text)
