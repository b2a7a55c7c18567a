import math

import pytest

from digitnet.errors import SettingsError
from digitnet.lesson.settings import Settings

CHANGED = Settings(
    model="linear", digits=(3, 8), lr=0.1, bs=128, epochs=3, loss="mnist", opt="sgd", shuffle=False,
    augment=True, seed=42, hidden=(64,), init="randn",
)


def test_defaults_are_valid():
    settings = Settings()
    assert settings.checked() == settings
    assert (settings.model, settings.digits, settings.hidden) == ("mlp", (2, 6), (40, 20))


def test_checked_normalises():
    settings = Settings(digits="all", hidden=[10, "20"]).checked()
    assert settings.digits == tuple(range(10))
    assert settings.hidden == (10, 20)


@pytest.mark.parametrize(
    "change, message",
    [
        ({"model": "cnn"}, "model must be one of"),
        ({"loss": "mse"}, "loss must be one of"),
        ({"opt": "rmsprop"}, "opt must be one of"),
        ({"init": "zeros"}, "init must be one of"),
        ({"lr": 0}, "learning rate"),
        ({"lr": -0.1}, "learning rate"),
        ({"lr": 101}, "learning rate"),
        ({"lr": math.nan}, "learning rate"),
        ({"lr": math.inf}, "learning rate"),
        ({"lr": "0.1"}, "learning rate"),
        ({"bs": 0}, "batch size"),
        ({"bs": 2.5}, "batch size"),
        ({"bs": True}, "batch size"),
        ({"epochs": 0}, "epochs"),
        ({"epochs": 1001}, "epochs"),
        ({"seed": -1}, "seed"),
        ({"seed": 2**32}, "seed"),
        ({"seed": "7"}, "seed"),
        ({"digits": (3, 3)}, "two different digits"),
        ({"digits": (2, 11)}, "from 0 to 9"),
        ({"hidden": (0,)}, "hidden sizes"),
        ({"hidden": (8,) * 5}, "hidden sizes"),
    ],
)
def test_checked_rejects(change, message):
    with pytest.raises(SettingsError, match=message):
        Settings(**change).checked()


def test_limits_are_allowed():
    Settings(lr=100, bs=1, epochs=1000, seed=0).checked()
    Settings(seed=2**32 - 1, hidden=(1024, 1, 1, 1)).checked()


def test_query_round_trip():
    query = CHANGED.to_query()
    assert all(isinstance(text, str) for text in query.values())
    settings, problems = Settings.from_query(query)
    assert problems == []
    assert settings == CHANGED


def test_query_holds_only_changes():
    assert Settings().to_query() == {}
    assert Settings(lr=0.01).to_query() == {"lr": "0.01"}


def test_query_all_digits():
    query = Settings(digits=tuple(range(10))).to_query()
    assert query == {"digits": "all"}
    assert Settings.from_query(query)[0].digits == tuple(range(10))


@pytest.mark.parametrize(
    "name, text",
    [("lr", "fast"), ("lr", "-1"), ("lr", "nan"), ("bs", "0"), ("bs", "1.5"), ("epochs", "99999"),
     ("digits", "3-3"), ("digits", "two-six"), ("shuffle", "maybe"), ("hidden", ""), ("seed", "-5"),
     ("model", "cnn")],
)
def test_bad_query_parameter_is_ignored_and_reported(name, text):
    other, value = ("bs", 32) if name != "bs" else ("epochs", 2)
    settings, problems = Settings.from_query({name: text, other: str(value)})
    assert problems == [f"ignored {name}={text!r} from the link"]
    assert getattr(settings, name) == getattr(Settings(), name)
    assert getattr(settings, other) == value


def test_unknown_query_parameter_is_skipped():
    settings, problems = Settings.from_query({"utm_source": "mail", "epochs": "2"})
    assert settings == Settings(epochs=2)
    assert problems == []


def test_query_booleans():
    settings, _ = Settings.from_query({"shuffle": "false", "augment": "1"})
    assert settings == Settings(shuffle=False, augment=True)


def test_dict_round_trip():
    assert Settings.from_dict(CHANGED.to_dict()) == CHANGED
    assert Settings.from_dict({**CHANGED.to_dict(), "unknown": 1}) == CHANGED
    with pytest.raises(SettingsError):
        Settings.from_dict({"lr": -1})


def test_describe():
    assert Settings().describe() == "mlp 40-20, 2 vs 6, lr 0.003, bs 64, bce, adam, shuffled"
    assert CHANGED.describe() == "linear, 3 vs 8, lr 0.1, bs 128, mnist, sgd, unshuffled, augmented"
    assert "cross-entropy" in Settings(digits=tuple(range(10)), loss="mnist").describe()
