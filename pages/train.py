"""Train: choose a model and its settings, train it, watch it learn, compare runs."""

import streamlit as st

from digitnet.app_support.views.charts import OVERLAY_METRICS, overlay_rows, overlay_spec, overlay_table
from digitnet.app_support.views.in_words import overlay_in_words
from digitnet.app_support.views.wording import plain
from digitnet.errors import ExportError, ModelFileError
from digitnet.export.writer import export, replay_settings
from digitnet.files.modelfile import load_model, model_bytes
from digitnet.lesson.dataset import describe_digits
from digitnet.lesson.settings import distinguishing_labels
from pages.parts.live_run import RunView, status_of, train_live
from pages.parts.suggestion import teacher_suggestion
from pages.shared.controls import settings_controls, task_picker
from pages.shared.process import dataset, record_run
from pages.shared.running import session_work
from pages.shared.saving import forget_control, saved_status
from pages.shared.session import change_settings, flash, get_lab, keep, kept, remembered, show_flashed

COMPARED = 4  # runs overlaid at first: the newest
CODE_FILES = {".py": ("script", "text/x-python"), ".ipynb": ("notebook", "application/x-ipynb+json")}


def compared(ids: list[str]) -> list[str]:
    """The runs to overlay, by id: the learner's last choice, plus every run new since."""
    fresh = [run_id for run_id in ids if run_id not in kept("compared_seen", set())]
    keep("compared_seen", set(ids))
    chosen = [run_id for run_id in kept("compare_runs", []) if run_id in ids]
    if fresh:
        chosen = (chosen + fresh)[-COMPARED:]
        keep("compare_runs", chosen)
    return chosen


def title(run) -> str:
    return f"{run.name} (same start as {run.same_start_as})" if run.same_start_as else run.name


def history_section(lab, busy: bool) -> None:
    st.subheader("Run history")
    runs = lab.shown_runs()
    if not runs:
        st.caption("Every run of this session is kept here with its settings, to compare.")
        return
    labels = distinguishing_labels([run.settings for run in runs])
    rows = []
    for run in runs:
        now = run.accuracy_now()
        rows.append({
            "run": title(run), "settings": run.settings.describe(), "seed": run.settings.seed,
            "epochs": len(run.history), "accuracy": now,
            "best": max([e.accuracy for e in run.history] + [now]), "status": run.status,
        })
    st.dataframe(rows, hide_index=True, width="stretch",
                 column_config={"accuracy": st.column_config.NumberColumn(format="%.4f"),
                                "best": st.column_config.NumberColumn(format="%.4f")})
    names = {run.id: run.name for run in runs}
    pick, metric = st.columns([3, 1])
    chosen = remembered(pick.multiselect, "Compare runs", "compare_runs", load=lambda: compared(list(names)),
                        options=list(names), format_func=names.get)
    shown = metric.selectbox("Curve", list(OVERLAY_METRICS), format_func=OVERLAY_METRICS.get, key="compare_metric")
    picked = [(run, label) for run, label in zip(runs, labels) if run.id in chosen and run.history]
    if picked:
        named = [(f"{title(run)}: {label}" if label else title(run), run.history) for run, label in picked]
        rows = overlay_rows(named, shown)
        st.vega_lite_chart(rows, overlay_spec(shown), width="stretch",
                           alt=overlay_in_words(named, OVERLAY_METRICS[shown], shown))
        st.caption("Each run is labelled by the settings that differ between the runs shown.")
        if st.toggle("Show as a table", key="compare_table"):
            st.dataframe(overlay_table(rows), hide_index=True, width="stretch")
    same_start(lab, busy)


def same_start(lab, busy: bool) -> None:
    """Train again from the first weights of an earlier run, with the settings above."""
    names = {run.id: run.name for run in lab.runs_for(lab.settings.digits)}
    if not names:
        return
    row = st.container(horizontal=True, vertical_alignment="bottom")  # the button goes below when it does not fit
    row.selectbox("Start from the first weights of", list(names), index=len(names) - 1, format_func=names.get,
                  key="again_from", width=240)
    row.button("Train again from the same start", key="again_button", icon=":material/replay:", disabled=busy)
    st.caption("A new run with the settings above, but the model, hidden sizes, init and seed of the run chosen: it "
               "begins from exactly its first weights. The seed also shuffles the images into the same order, so with "
               "the same batch size, shuffling and augmentation both runs see the same batches, and the comparison "
               "shows only what you changed.")


def model_files(lab, run) -> None:
    save, load = st.columns(2)
    if run is not None and run.usable:
        digits = "v".join(map(str, run.settings.digits)) if run.settings.pair else "all"
        save.download_button(
            f"Download {plain(run.name)} (.safetensors)",
            data=lambda: model_bytes(run.model, run.settings, run.metrics()),
            file_name=f"digitnet-{run.settings.model}-{digits}.safetensors", on_click="ignore",
            icon=":material/download:",
        )
        code_files(save, run)

    def uploaded():
        file = st.session_state.model_upload
        if file is None:
            return
        try:
            saved = load_model(file.getvalue())
        except ModelFileError as exc:
            flash("upload", f"{file.name}: {exc}", "error")
            return
        before = lab.settings.digits
        change_settings(digits=saved.settings.digits)
        loaded = lab.add_saved(saved, dataset(saved.settings.digits), file.name)
        flash("upload", f"Loaded {loaded.name}: {saved.describe()}.", "success")
        if saved.settings.digits != before:
            flash("upload", f"Its model tells {describe_digits(saved.settings.digits)}, so every page now does too "
                            f"(it was {describe_digits(before)}): change the digits above to go back.", "info")

    load.file_uploader("Load a model file", type=["safetensors"], key="model_upload", on_change=uploaded)
    show_flashed("upload", load)


def code_files(where, run) -> None:
    """The run as plain PyTorch code that replays it, beside its model."""
    try:
        replay_settings(run)
    except ExportError as exc:
        where.caption(plain(str(exc)))
        return
    row, stem = where.container(horizontal=True), f"digitnet-{run.name.replace(' ', '-')}"
    for suffix, (form, mime) in CODE_FILES.items():
        row.download_button(f"Export as a {form} ({suffix})", data=export(run, stem + suffix), file_name=stem + suffix,
                            mime=mime, on_click="ignore", icon=":material/code:", key=f"export_{form}")
    where.caption(f"Plain PyTorch, no digitnet: the same data, first weights, batches and steps, so it ends at the "
                  f"same accuracy. Run the script with `python {stem}.py --data assets/mnist` (the app's copy of "
                  "MNIST, or a folder with MNIST's four IDX files).")


def main() -> None:
    """The page, in a function: what it loads is freed when the run ends (see server.dataset)."""
    lab = get_lab()
    again = st.session_state.get("again_button") is True  # the button is in the run history, further down
    training = again or st.session_state.get("train_button") is True
    st.title("Train")
    st.markdown(
        "Pick a model and how it learns, then train it: each epoch runs every training image "
        "through the six steps once, and the curves grow as the epochs finish. Stop whenever you "
        "like; the model keeps what it learned so far."
    )
    if not training:
        teacher_suggestion()
    task_picker()
    data = dataset(lab.settings.digits)
    settings_controls(data, disabled=training)
    buttons = st.container(horizontal=True)
    buttons.button("Train", type="primary", key="train_button", icon=":material/play_arrow:", disabled=training)
    stop = buttons.empty()
    current = lab.newest()
    if training:
        current = lab.start_run(data, lab.run_with_id(st.session_state.get("again_from")) if again else None)
    view = RunView(status_of(current, training))
    show_flashed("train")
    if training:
        stop.button("Stop training", key="stop_training", icon=":material/stop_circle:")
        with session_work("train") as work:
            try:
                train_live(current, view, work)
            finally:  # still holding the session: the page run that the click starts waits for this
                if refused := record_run(lab, current):
                    lab.flash("train", f"{current.name} is not on the class board: {refused}.", "info")
                if lab.forget_unstarted(current):  # stopped while it waited for a free slot
                    lab.flash("train", f"{current.name} was stopped before it began: it waited for a free slot.",
                              "info")
    elif current is not None:
        view.draw(current)
    else:
        view.draw_empty()
    history_section(lab, training)
    saved_status(lab)
    st.subheader("Model files")
    model_files(lab, lab.latest())
    forget_control()


main()
