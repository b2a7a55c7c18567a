"""What a run came to, in one sentence for the Train page: diverged, stopped, learned nothing,
or its score."""

from dataclasses import dataclass

from ...lesson.inspection import answers
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
        return Outcome("info", f"{name} was stopped after {count(len(run.batch_losses), 'batch', 'batches')} "
                               f"({count(len(run.history), 'full epoch')}). "
                               f"The model keeps what it learned: validation accuracy {run.accuracy_now():.4f}.")
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
    label = int(found.predicted.bincount(minlength=len(run.data.class_digits)).argmax())
    if (found.predicted == label).float().mean().item() < ONE_ANSWER:
        return None
    digit = run.data.class_digits[label]
    right = (found.actual == label).float().mean().item()
    s = run.settings
    why = []
    if run.data.binary and s.loss == "mnist":
        size = found.outputs.abs().median().item()
        why.append(f"Its outputs sit far from 0 (typically {size:.3g} away), where the sigmoid is flat: "
                   "mnist_loss gives gradients of almost nothing there, so the steps no longer move it.")
    if not s.shuffle:
        why.append("Unshuffled, every batch holds one digit and pulls every answer towards that digit.")
    return (
        f"{plain(run.name)} learned nothing: it answers {digit} for almost every image, which is right for "
        f"{right:.2%} of the validation images, the share of {digit}s among them (accuracy "
        f"{run.history[-1].accuracy:.4f}). {' '.join(why)} Try a smaller learning rate than {s.lr:g}"
        f"{', shuffling' if not s.shuffle else ''}, more epochs, or the recommended settings."
    ).replace(".  ", ". ")
