"""The lesson's six steps, each written once: 1 initialise, 2 predict, 3 loss, 4 gradients,
5 step, and 6 repeat, which is the loop in run.Run.repeat.

Training runs, the Step through page, the gradients view and the experiments all call
these functions, so the code the app shows for a step is the code that did it. They carry
no type hints: the app shows them to learners, on projectors, as the lesson writes them.
"""

from .models import build_model


def initialise(settings, generator):
    """Step 1: a fresh model, every parameter a small random number."""
    return build_model(settings.model, settings.n_outputs, settings.hidden, settings.init, generator)


def predict(model, xb):
    """Step 2: run the images through the model, one output per image (ten for ten digits)."""
    return model(xb)


def loss(loss_fn, predictions, yb):
    """Step 3: one number, lower when the predictions are nearer their targets."""
    return loss_fn(predictions, yb)


def gradients(batch_loss):
    """Step 4: autograd adds d(loss)/d(parameter) to every parameter's .grad."""
    batch_loss.backward()


def step(optimiser):
    """Step 5: move every parameter against its gradient, then forget the gradients: the next
    backward() would add to them."""
    optimiser.step()
    optimiser.zero_grad()


def train_batch(model, xb, yb, loss_fn, optimiser):
    """Steps 2 to 5 on one mini-batch; the loop of Run.repeat calls this for every batch."""
    predictions = predict(model, xb)
    batch_loss = loss(loss_fn, predictions, yb)
    gradients(batch_loss)
    step(optimiser)
    return batch_loss.item()
