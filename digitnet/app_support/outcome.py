"""What a run came to, in one sentence for the Train page: diverged, stopped, learned nothing,
or its score."""

from dataclasses import dataclass

from ..lesson.inspection import answers
from .wording import count, plain

# A model that gives every image the same answer scores the share of that class: within this
# of it, and answering one class for (nearly) every image, it learned nothing.
ONE_ANSWER = 0.99


@dataclass(frozen=True)
class Outcome:
    kind: str  # "error", "warning", "info" or "success": how the page shows it
    text: str  # Markdown, with the run's name made plain


def outcome(run) -> Outcome | None:
    name = plain(run.name)
    if run.diverged:
        return Outcome("error", f"{name}: {run.diverged}")
    if run.status == "stopped":
        accuracy = run.metrics()["accuracy"]
        return Outcome("info", f"{name} was stopped after {count(len(run.batch_losses), 'batch', 'batches')} "
                               f"({count(len(run.history), 'full epoch')}). "
                               f"The model keeps what it learned: validation accuracy {accuracy:.4f}.")
    if not run.history:
        return None
    if nothing := learned_nothing(run):
        return Outcome("warning", nothing)
    last = run.history[-1]
    return Outcome("success", f"{name}: validation accuracy {last.accuracy:.4f} after "
                              f"{count(len(run.history), 'epoch')} ({sum(e.seconds for e in run.history):.1f} s).")


def learned_nothing(run) -> str | None:
    """Why the run learned nothing, when it gives (nearly) every validation image one answer."""
    found = answers(run.model, run.data)
    shares = found.predicted.bincount(minlength=len(run.data.class_digits)).float() / len(found.predicted)
    if shares.max().item() < ONE_ANSWER:
        return None
    digit = run.data.class_digits[int(shares.argmax())]
    right = (found.actual == int(shares.argmax())).float().mean().item()
    s = run.settings
    return (
        f"{plain(run.name)} learned nothing: it answers {digit} for almost every image, which is right for "
        f"{right:.2%} of the validation images, the share of {digit}s among them (accuracy "
        f"{run.history[-1].accuracy:.4f}). Its steps moved it to where every output is on one side and the "
        f"gradients give it nothing more to follow. Try a smaller learning rate than {s.lr:g}"
        f"{', shuffling' if not s.shuffle else ''}, or the recommended settings."
    )
