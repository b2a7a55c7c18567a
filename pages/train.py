"""Train: choose a model and its settings, train it, watch it learn, compare runs."""

import time
from contextlib import closing

import streamlit as st

from digitnet.curves import OVERLAY_METRICS, batch_rows, curve_spec, epoch_rows, overlay_rows, overlay_spec
from digitnet.errors import Diverged, ModelFileError
from digitnet.learner import EpochResult
from digitnet.modelfile import load_model, model_bytes
from digitnet.settings import LESSON, MAX_SEED, RECOMMENDED, distinguishing_labels
from pages.common import (
    batch_size_choice,
    change_settings,
    count,
    dataset,
    get_lab,
    learning_rate_choice,
    loss_choice,
    model_choice,
    optimiser_choice,
    setting,
    show_settings_problem,
    shuffle_choice,
    task_picker,
    training_slots,
)

REDRAW_EVERY = 0.15  # seconds: about six chart updates a second at most, whatever the epoch length
# While others wait for a training slot: with thirty sessions, redrawing cost the server as
# much time as training (bench/load_test.py), and every waiting learner paid for it.
REDRAW_EVERY_BUSY = 0.5
LOSS_CHART = curve_spec("loss", "loss")
ACCURACY_CHART = curve_spec("accuracy", "validation accuracy")


def controls(data, training: bool) -> None:
    s = get_lab().settings
    model, lr, bs, epochs = st.columns([3, 3, 3, 2])
    model_choice(model, training)
    learning_rate_choice(lr, training)
    batch_size_choice(bs, len(data.train_x), training)
    setting(epochs.slider, "Epochs", "epochs", min_value=1, max_value=100, disabled=training)
    with st.expander("Advanced: loss, optimiser, shuffling, augmentation, seed, sizes, init"):
        left, middle, right = st.columns(3)
        loss_choice(left, data.binary, training)
        optimiser_choice(left, training)
        shuffle_choice(middle, training)
        setting(middle.toggle, "Augment (shift, turn, resize)", "augment", disabled=training,
                help="Small random changes to each batch: drawn digits are read better.")
        setting(
            middle.number_input, "Seed (empty: random)", "seed", min_value=0, max_value=MAX_SEED, step=1,
            placeholder="random", disabled=training, help="The same seed and settings give the same run.",
        )
        setting(
            right.text_input, "Hidden layer sizes", "hidden", to_widget=lambda h: ", ".join(map(str, h)),
            from_widget=lambda text: text.replace(",", " ").split(), disabled=training or s.model != "mlp",
            help="For the three-layer net: 40, 20 means 784-40-20-1.",
        )
        setting(
            right.radio, "Initialisation", "init", options=["scaled", "randn"], disabled=training,
            format_func={"scaled": "randn / sqrt(inputs)", "randn": "randn (the lesson's)"}.get,
            help="Plain randn can start the sigmoid so flat that the model never learns.",
        )
    show_settings_problem()
    presets = st.container(horizontal=True)  # buttons as wide as their labels, wrapping when narrow
    digits = s.digits
    presets.button("The lesson's settings", disabled=training,
                   on_click=lambda: change_settings(**LESSON.replace(digits=digits).to_dict()))
    presets.button("Recommended settings", disabled=training,
                   on_click=lambda: change_settings(**RECOMMENDED.replace(digits=digits).to_dict()))


class RunView:
    """The latest run: status, progress, curves and the lesson's table. Drawn the same way
    live and afterwards, into the same places, so the charts update in place."""

    def __init__(self):
        self.status = st.empty()
        self.progress = st.container(key="live_progress").empty()
        loss, accuracy = st.columns(2)
        # Containers, not st.empty(): a placeholder would stand blank where the last chart was
        # until the first draw. The first draw puts each chart there, later draws replace it
        # (through the element it returned), and the browser only swaps the data.
        self.loss = loss.container(key="live_loss")
        self.accuracy = accuracy.container(key="live_accuracy")
        self.table = st.empty()

    def draw(self, run, progress: tuple[float, str] | None = None) -> None:
        n_batches = -(-len(run.data.train_x) // run.settings.bs)
        self._curves(epoch_rows(run.history) + batch_rows(run.batch_losses, n_batches))
        if progress:
            self.progress.progress(*progress)
        self.table.dataframe(
            [e.to_dict() for e in run.history], hide_index=True, width="stretch",
            column_config={"seconds": st.column_config.NumberColumn("time (s)", format="%.2f")},
        )

    def draw_empty(self) -> None:
        """Empty axes before the first run: the browser loads the charts' code now, not after
        the click (bench/live_chart.py: the first point came 2 s sooner)."""
        self.status.caption("Press Train: the curves grow here as the epochs finish.")
        self._curves([])

    def _curves(self, rows: list[dict]) -> None:
        self.loss = self.loss.vega_lite_chart(rows, LOSS_CHART, width="stretch")
        self.accuracy = self.accuracy.vega_lite_chart(rows, ACCURACY_CHART, width="stretch")

    def show_status(self, run, name: str) -> None:
        if run.diverged:
            self.status.error(f"{name}: {run.diverged}", icon=":material/warning:")
        elif run.status == "stopped":
            accuracy = run.metrics()["accuracy"]
            self.status.info(
                f"{name} was stopped after {count(len(run.batch_losses), 'batch', 'batches')} "
                f"({count(len(run.history), 'full epoch')}). "
                f"The model keeps what it learned: validation accuracy {accuracy:.4f}."
            )
        elif run.history:
            self.status.success(
                f"{name}: validation accuracy {run.history[-1].accuracy:.4f} after {count(len(run.history), 'epoch')} "
                f"({sum(e.seconds for e in run.history):.1f} s)."
            )


def train_live(run, view: RunView) -> None:
    """Train the run's epochs, redrawing at most every REDRAW_EVERY seconds (REDRAW_EVERY_BUSY
    while other runs wait for a slot); a click on any control stops it between batches
    (Streamlit reruns the page), keeping what was learned. When other sessions train too,
    the run waits its turn for a core."""
    epochs = run.settings.epochs
    first = len(run.history)
    started = last_draw = time.perf_counter()
    slots = training_slots()
    training = f"Training {run.name}: {run.settings.describe()}, seed {run.settings.seed}"

    def waiting(ahead: int) -> None:
        view.status.info(
            f"Waiting for a free slot: the server is training for other people "
            f"({ahead} waiting ahead of you). Your run starts as soon as a core is free.",
            icon=":material/hourglass_top:",
        )

    view.status.info(training)
    try:
        # Closed on the way out, a click's interruption included: the run is marked stopped and
        # its slot freed before the page is drawn again.
        with closing(slots.share(run.fit(epochs), on_wait=waiting)) as events:
            for event in events:
                now = time.perf_counter()
                finished = isinstance(event, EpochResult) and event.epoch == first + epochs
                every = REDRAW_EVERY_BUSY if slots.waiting() else REDRAW_EVERY
                if now - last_draw >= every or finished:
                    if isinstance(event, EpochResult):
                        done = event.epoch - first
                    else:
                        done = event.epoch - first - 1 + event.batch / event.n_batches
                    text = f"Epoch {event.epoch - first} of {epochs} · {now - started:.1f} s"
                    view.status.info(training)
                    view.draw(run, (min(done / epochs, 1.0), text))
                    last_draw = now
    except Diverged:
        pass  # the run keeps the message; the page shows it after the rerun below
    st.rerun()


def _seed_comparison(names: list[str]) -> None:
    """The runs to compare: the learner's choice, kept across pages, plus every new run."""
    seen = st.session_state.get("compare_seen", set())
    kept = [name for name in st.session_state.get("compare_choice", []) if name in names]
    fresh = [name for name in names if name not in seen]
    st.session_state.compare_choice = (kept + fresh)[-4:] if fresh else kept
    st.session_state.compare_seen = set(names)
    st.session_state.compare_runs = st.session_state.compare_choice


def _keep_comparison() -> None:
    st.session_state.compare_choice = st.session_state.compare_runs


def history_section(lab) -> None:
    st.subheader("Run history")
    runs = [run for run in lab.runs if run.history]
    if not runs:
        st.caption("Every run of this session is kept here with its settings, to compare.")
        return
    labels = distinguishing_labels([run.settings for run in runs])
    st.dataframe(
        [
            {
                "run": run.name, "settings": run.settings.describe(), "seed": run.settings.seed,
                "epochs": len(run.history), "accuracy": run.history[-1].accuracy,
                "best": max(e.accuracy for e in run.history), "status": run.status,
            }
            for run in runs
        ],
        hide_index=True, width="stretch",
        column_config={"accuracy": st.column_config.NumberColumn(format="%.4f"),
                       "best": st.column_config.NumberColumn(format="%.4f")},
    )
    names = [run.name for run in runs]
    pick, metric = st.columns([3, 1])
    _seed_comparison(names)
    chosen = pick.multiselect("Compare runs", names, key="compare_runs", on_change=_keep_comparison)
    shown = metric.selectbox("Curve", list(OVERLAY_METRICS), format_func=OVERLAY_METRICS.get, key="compare_metric")
    picked = [(run, label) for run, label in zip(runs, labels) if run.name in chosen]
    if picked:
        named = [(f"{run.name}: {label}" if label else run.name, run.history) for run, label in picked]
        st.vega_lite_chart(overlay_rows(named, shown), overlay_spec(shown), width="stretch")
        st.caption("Each run is labelled by the settings that differ between the runs shown.")


def model_files(lab, run) -> None:
    save, load = st.columns(2)
    if run is not None and run.usable:
        digits = "all" if len(run.settings.digits) == 10 else "v".join(map(str, run.settings.digits))
        save.download_button(
            f"Download {run.name} (.safetensors)",
            data=lambda: model_bytes(run.model, run.settings, run.metrics()),
            file_name=f"digitnet-{run.settings.model}-{digits}.safetensors", on_click="ignore",
            icon=":material/download:",
        )

    def uploaded():
        file = st.session_state.model_upload
        if file is None:
            return
        try:
            saved = load_model(file.getvalue())
        except ModelFileError as exc:
            st.session_state.upload_problem = f"{file.name}: {exc}"
            return
        change_settings(digits=saved.settings.digits)
        loaded = lab.add_saved(saved, dataset(saved.settings.digits), file.name)
        st.session_state.upload_done = f"Loaded {loaded.name}: {saved.describe()}."

    load.file_uploader("Load a model file", type=["safetensors"], key="model_upload", on_change=uploaded)
    if problem := st.session_state.pop("upload_problem", None):
        load.error(problem)
    if done := st.session_state.pop("upload_done", None):
        load.success(done)


lab = get_lab()
training = st.session_state.get("train_button") is True
st.title("Train")
st.markdown(
    "Pick a model and how it learns, then train it: each epoch runs every training image "
    "through the six steps once, and the curves grow as the epochs finish. Stop whenever you "
    "like; the model keeps what it learned so far."
)
task_picker()
data = dataset()
controls(data, training)
buttons = st.container(horizontal=True)
buttons.button("Train", type="primary", key="train_button", icon=":material/play_arrow:", disabled=training)
stop = buttons.empty()
view = RunView()
current = lab.runs[-1] if lab.runs else None
if training:
    current = lab.start_run(data)
    stop.button("Stop training", key="stop_training", icon=":material/stop_circle:")
    train_live(current, view)
elif current is not None:
    view.draw(current)
    view.show_status(current, current.name)
else:
    view.draw_empty()
history_section(lab)
st.subheader("Model files")
model_files(lab, lab.latest())
