from contextlib import closing

from digitnet.app_support.session.answerers import run_answerer
from digitnet.app_support.session.lab import Lab
from digitnet.drawing.predict import UNSURE_BELOW
from digitnet.files.modelfile import load_model, model_bytes
from digitnet.lesson.dataset import load_dataset
from digitnet.lesson.settings import Settings


def test_runs_are_kept_in_order_with_their_settings():
    data = load_dataset((2, 6))
    lab = Lab(Settings(model="linear", epochs=1))
    first = lab.start_run(data)
    lab.settings = lab.settings.replace(lr=0.1)
    second = lab.start_run(data)
    assert lab.runs == [first, second]
    assert (first.name, second.name) == ("run 1", "run 2")
    assert (first.settings.lr, second.settings.lr) == (0.003, 0.1)


def test_latest_skips_untrained_and_diverged_runs():
    data = load_dataset((2, 6))
    lab = Lab(Settings(model="linear", epochs=1))
    assert lab.latest() is None
    trained = lab.start_run(data)
    list(trained.fit())
    lab.start_run(data)  # never trained
    diverging = lab.start_run(data)
    diverging.diverged = "the loss became nan"
    diverging.batch_losses.append(float("nan"))
    assert lab.latest() is trained
    assert lab.latest((3, 8)) is None


def test_a_saved_model_joins_the_session():
    data = load_dataset((2, 6))
    lab = Lab(Settings(model="linear"))
    source = lab.start_run(data)
    saved = load_model(model_bytes(source.model, source.settings, {"accuracy": 0.5}))
    loaded = lab.add_saved(saved, data, "mine.safetensors")
    assert loaded.status == "loaded" and loaded.usable
    assert lab.latest() is loaded and loaded.name == "mine.safetensors (uploaded)"


def test_a_loaded_model_keeps_what_its_file_said_of_it():
    """A shipped net's "not sure" threshold and recipe stay with it when a learner loads its file,
    and go with it when it is saved again; the scores are measured afresh."""
    data = load_dataset((2, 6))
    source = Lab(Settings(model="linear")).start_run(data)
    said = {"accuracy": 0.5, "epochs": 30, "sure_threshold": 0.8, "recipe": {"copies": 6, "look": {"jitter": 0.5}}}
    shipped = load_model(model_bytes(source.model, source.settings, said))
    loaded = Lab().add_saved(shipped, data, "default.safetensors")
    assert run_answerer(loaded).threshold == shipped.metrics["sure_threshold"]
    metrics = loaded.metrics()
    assert metrics["recipe"] == shipped.metrics["recipe"] and metrics["epochs"] == 0
    assert metrics["accuracy"] == loaded.evaluate()[1]
    again = load_model(model_bytes(loaded.model, loaded.settings, metrics))
    assert again.metrics["sure_threshold"] == shipped.metrics["sure_threshold"]
    assert run_answerer(Lab().start_run(data)).threshold == UNSURE_BELOW  # a learner's own: none


def test_settle_waits_for_a_run_training_in_another_thread(small):
    import threading

    lab = Lab(Settings(model="linear", bs=16, epochs=50, seed=0))
    run = lab.start_run(small)
    started, stop = threading.Event(), threading.Event()

    def train():  # what an interrupted page run does: goes on until its next update, then stops
        with lab.working(), closing(run.fit()) as events:
            for _ in events:
                started.set()
                if stop.is_set():
                    return

    thread = threading.Thread(target=train)
    thread.start()
    started.wait()
    assert run.status == "training" and not lab.settle(timeout=0.05)
    stop.set()
    assert lab.settle(timeout=10) and run.status == "stopped"
    thread.join()


def test_a_run_from_the_same_start_is_kept_with_the_name_of_the_earlier_one(small):
    lab = Lab(Settings(model="linear", seed=2, epochs=1))
    first = lab.start_run(small)
    lab.settings = lab.settings.replace(lr=0.1, seed=8)
    again = lab.start_run(small, lab.run_with_id(first.id))
    assert lab.runs == [first, again] and again.name == "run 2"
    assert again.same_start_as == "run 1" and again.settings.seed == 2
    assert lab.run_with_id("no such run") is None
