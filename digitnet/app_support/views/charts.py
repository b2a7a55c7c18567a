"""Charts as Vega-Lite: rows of data and chart specs that stay fixed while the data grows.

The app redraws a curve many times a second while training. A chart whose spec stays the
same while only its rows change is updated in place by the browser, so it never blanks.
The class board's chart is built the same way.
"""

from ...lesson.settings import MODEL_NAMES

MAX_BATCH_POINTS = 400  # per-batch losses are averaged down to this many points
COLOURS = {"batch": "#aab4c3", "train": "#1f77b4", "valid": "#e4572e"}


def epoch_rows(history, prefix: str = "") -> list[dict]:
    """One row per epoch and curve: train and validation loss, validation accuracy."""
    rows = []
    for e in history:
        rows += [
            {"epoch": e.epoch, "metric": "loss", "series": f"{prefix}train", "kind": "epoch", "value": e.train_loss},
            {"epoch": e.epoch, "metric": "loss", "series": f"{prefix}valid", "kind": "epoch", "value": e.valid_loss},
            {"epoch": e.epoch, "metric": "accuracy", "series": f"{prefix}valid", "kind": "epoch", "value": e.accuracy},
        ]
    return rows


def batch_rows(batch_losses: list[float], n_batches: int) -> list[dict]:
    """The loss of every batch (averaged into at most MAX_BATCH_POINTS points), x in epochs."""
    step = max(1, -(-len(batch_losses) // MAX_BATCH_POINTS))
    rows = []
    for start in range(0, len(batch_losses), step):
        chunk = batch_losses[start : start + step]
        x = (start + len(chunk)) / n_batches
        mean = sum(chunk) / len(chunk)
        rows.append({"epoch": x, "metric": "loss", "series": "batch", "kind": "batch", "value": mean})
    return rows


def _axes(y_title: str) -> dict:
    return {
        "x": {"field": "epoch", "type": "quantitative", "title": "epoch", "axis": {"tickMinStep": 1}},
        "y": {"field": "value", "type": "quantitative", "title": y_title, "scale": {"zero": False}},
        "color": {"field": "series", "type": "nominal", "title": None, "legend": {"orient": "bottom"}},
        "tooltip": [
            {"field": "series", "type": "nominal"},
            {"field": "epoch", "type": "quantitative", "format": ".2f"},
            {"field": "value", "type": "quantitative", "format": ".4f", "title": y_title},
        ],
    }


def curve_spec(metric: str, y_title: str, height: int = 300) -> dict:
    """Epoch curves of one metric with points; the faint per-batch loss behind them."""
    axes = _axes(y_title)
    axes["color"]["scale"] = {"domain": list(COLOURS), "range": list(COLOURS.values())}
    return {
        "height": height,
        "transform": [{"filter": {"field": "metric", "equal": metric}}],
        "layer": [
            {
                "transform": [{"filter": {"field": "kind", "equal": "batch"}}],
                "mark": {"type": "line", "opacity": 0.6, "strokeWidth": 1},
                "encoding": axes,
            },
            {
                "transform": [{"filter": {"field": "kind", "equal": "epoch"}}],
                "mark": {"type": "line", "point": True, "strokeWidth": 2.5},
                "encoding": axes,
            },
        ],
    }


OVERLAY_METRICS = {"accuracy": "validation accuracy", "valid_loss": "validation loss", "train_loss": "training loss"}


def overlay_rows(named_histories: list[tuple[str, list]], metric: str) -> list[dict]:
    """One curve per run for one metric ("accuracy", "valid_loss" or "train_loss")."""
    return [
        {"epoch": e.epoch, "series": name, "value": getattr(e, metric)}
        for name, history in named_histories
        for e in history
    ]


def overlay_table(rows: list[dict]) -> list[dict]:
    """overlay_rows as a table: a row per epoch, a column per run (empty where a run had no such epoch)."""
    names = list(dict.fromkeys(row["series"] for row in rows))
    values = {(row["epoch"], row["series"]): row["value"] for row in rows}
    return [{"epoch": epoch, **{name: values.get((epoch, name)) for name in names}}
            for epoch in sorted({row["epoch"] for row in rows})]


def overlay_spec(metric: str, height: int = 360) -> dict:
    axes = _axes(OVERLAY_METRICS[metric])
    axes["color"]["legend"] = {"orient": "bottom", "columns": 1, "labelLimit": 600}
    return {"height": height, "mark": {"type": "line", "point": True, "strokeWidth": 2.5}, "encoding": axes}


def board_rows(runs, mine: int | None) -> list[dict]:
    """One point per run of the class board (board.BoardRun); `mine` is this learner's number."""
    return [
        {"who": run.name, "lr": run.lr, "accuracy": run.accuracy, "model": MODEL_NAMES[run.model], "bs": run.bs,
         "epochs": run.epochs, "digits": run.digits, "settings": run.described, "seed": run.seed,
         "mine": int(run.learner == mine)}
        for run in runs
    ]


def board_spec(height: int = 420) -> dict:
    """Final validation accuracy against learning rate (log scale): colour by model, shape by
    batch size, the learner's own runs larger and outlined, drawn on top."""
    mine = "datum.mine == 1"
    return {
        "height": height,
        "mark": {"type": "point", "filled": True, "opacity": 0.85},
        "encoding": {
            "x": {"field": "lr", "type": "quantitative", "scale": {"type": "log", "padding": 16},
                  "title": "learning rate (log scale)"},
            "y": {"field": "accuracy", "type": "quantitative", "scale": {"zero": False, "padding": 16},
                  "axis": {"format": ".3f"}, "title": "final validation accuracy"},
            "color": {"field": "model", "type": "nominal", "title": "model", "legend": {"orient": "bottom"}},
            "shape": {"field": "bs", "type": "ordinal", "title": "batch size", "legend": {"orient": "bottom"}},
            "size": {"field": "mine", "type": "quantitative", "scale": {"domain": [0, 1], "range": [60, 260]},
                     "legend": None},
            "stroke": {"condition": {"test": mine, "value": "#111111"}, "value": None},
            "strokeWidth": {"condition": {"test": mine, "value": 2.5}, "value": 0},
            "order": {"field": "mine", "type": "quantitative"},
            "tooltip": [
                {"field": "who", "type": "nominal"},
                {"field": "accuracy", "type": "quantitative", "format": ".4f"},
                {"field": "lr", "type": "quantitative", "title": "learning rate"},
                {"field": "bs", "type": "quantitative", "title": "batch size"},
                {"field": "epochs", "type": "quantitative"},
                {"field": "settings", "type": "nominal"},
                {"field": "seed", "type": "quantitative", "format": "d"},
            ],
        },
    }
