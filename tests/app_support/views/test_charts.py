from digitnet.app_support.views.charts import (
    MAX_BATCH_POINTS,
    batch_rows,
    curve_spec,
    epoch_rows,
    overlay_rows,
    overlay_spec,
    overlay_table,
)
from digitnet.lesson.run import EpochResult

HISTORY = [EpochResult(1, 0.5, 0.4, 0.9, 1.0), EpochResult(2, 0.3, 0.25, 0.95, 1.0)]


def test_epoch_rows_carry_every_curve():
    rows = epoch_rows(HISTORY)
    assert len(rows) == 6
    loss = {(r["series"], r["epoch"]): r["value"] for r in rows if r["metric"] == "loss"}
    assert loss == {("train", 1): 0.5, ("valid", 1): 0.4, ("train", 2): 0.3, ("valid", 2): 0.25}
    assert [r["value"] for r in rows if r["metric"] == "accuracy"] == [0.9, 0.95]


def test_batch_rows_average_down_and_keep_the_mean():
    losses = [float(i % 7) for i in range(5000)]
    rows = batch_rows(losses, n_batches=100)
    assert len(rows) <= MAX_BATCH_POINTS
    step = -(-5000 // MAX_BATCH_POINTS)  # 13 batches per point
    assert rows[0] == {"epoch": 0.13, "metric": "loss", "series": "batch", "kind": "batch",
                       "value": sum(losses[:step]) / step}
    assert rows[-1]["epoch"] == 50.0  # 5000 batches of 100 per epoch
    few = batch_rows([1.0, 2.0], n_batches=4)
    assert [(r["epoch"], r["value"]) for r in few] == [(0.25, 1.0), (0.5, 2.0)]


def test_live_specs_do_not_depend_on_the_data():
    # The browser updates a chart in place only while its spec is unchanged.
    assert curve_spec("loss", "loss") == curve_spec("loss", "loss")
    assert "data" not in curve_spec("loss", "loss")


def test_overlay_has_one_series_per_run():
    rows = overlay_rows([("run 1", HISTORY), ("run 2", HISTORY[:1])], "valid_loss")
    assert [(r["series"], r["value"]) for r in rows] == [("run 1", 0.4), ("run 1", 0.25), ("run 2", 0.4)]
    assert overlay_spec("valid_loss")["encoding"]["y"]["title"] == "validation loss"


def test_the_overlay_as_a_table_has_a_row_per_epoch_and_a_column_per_run():
    rows = overlay_rows([("run 1", HISTORY), ("run 2", HISTORY[:1])], "accuracy")
    assert overlay_table(rows) == [{"epoch": 1, "run 1": 0.9, "run 2": 0.9}, {"epoch": 2, "run 1": 0.95, "run 2": None}]


def test_the_board_chart_has_a_point_per_run_and_marks_the_learners_own():
    from digitnet.app_support.storage.board import BoardRun
    from digitnet.app_support.views.charts import board_rows, board_spec

    runs = [BoardRun("a", 7, "learner 7", 0.0, "done", "linear", "2 vs 6", 0.1, 64, 3, 1, "linear, lr 0.1", 0.97),
            BoardRun("b", 8, "<b>x</b>", 0.0, "stopped", "mlp", "2 vs 6", 1.0, 256, 1, 2, "mlp, lr 1", 0.5)]
    rows = board_rows(runs, mine=8)
    assert [(r["who"], r["lr"], r["accuracy"], r["mine"]) for r in rows] == [("learner 7", 0.1, 0.97, 0),
                                                                           ("<b>x</b>", 1.0, 0.5, 1)]
    assert rows[1]["model"] == "three-layer net" and rows[1]["bs"] == 256 and rows[1]["epochs"] == 1
    spec = board_spec()
    assert spec["encoding"]["x"]["scale"]["type"] == "log" and "data" not in spec
    assert {spec["encoding"][channel]["field"] for channel in ("color", "shape", "size")} == {"model", "bs", "mine"}
