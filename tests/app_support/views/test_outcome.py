import pytest

from digitnet.app_support.views.outcome import outcome
from digitnet.lesson.losses import true_labels
from digitnet.lesson.run import Run
from digitnet.lesson.settings import LESSON


def trained(data, **changes):
    run = Run(LESSON.replace(seed=0, **changes), data)
    list(run.fit())
    return run


def test_a_run_that_answers_one_digit_for_everything_learned_nothing_and_says_why(dataset):
    run = trained(dataset, lr=10.0, epochs=2)
    found = outcome(run)
    share = (true_labels(dataset.valid_y) == 0).float().mean().item()  # the 2s: what answering 2 always scores
    assert run.history[-1].accuracy == pytest.approx(share)
    assert found.kind == "warning"
    assert "learned nothing: it answers 2 for almost every image" in found.text
    assert f"right for {share:.2%}" in found.text
    assert "sigmoid is flat" in found.text and "Unshuffled" in found.text
    assert "smaller learning rate than 10" in found.text


def test_a_run_that_learned_says_its_score(dataset):
    run = trained(dataset, shuffle=True, epochs=1)
    found = outcome(run)
    assert found.kind == "success" and f"validation accuracy {run.history[-1].accuracy:.4f}" in found.text


def test_names_from_files_are_shown_as_typed(dataset):
    run = trained(dataset, shuffle=True, epochs=1)
    run.name = "[evil](https://evil.example) (uploaded)"
    assert "](https://" not in outcome(run).text
