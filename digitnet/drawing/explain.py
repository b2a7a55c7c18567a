"""Why the model answered: how far each pixel pushed its score, and which way.

A pixel's contribution is the score's gradient with respect to that pixel, times the
pixel: the input gradient times the input. The score is the logit the answer comes
from: for a pair the model's single output (above 0 means label 1's digit), for ten
digits the predicted digit's output. For the linear model, score = x @ weights + bias,
so the gradient is the weights and each contribution is exactly weight times pixel;
they add up, with the bias, to the score. For the MLP the product says the same thing
to first order: how much the score would drop if that pixel's ink were taken away.
"""

from dataclasses import dataclass

import numpy as np
import torch


@dataclass(frozen=True)
class Explanation:
    contributions: np.ndarray  # (784,) float32: above 0 pushes towards `towards`
    score: float  # the logit explained
    towards: int  # the digit that positive contributions push towards
    against: int | None  # for a pair, the digit negative ones push towards; None for ten digits

    @property
    def pushed_up(self) -> float:
        """The sum of the contributions above 0."""
        return float(self.contributions[self.contributions > 0].sum())

    @property
    def pushed_down(self) -> float:
        return float(self.contributions[self.contributions < 0].sum())

    @property
    def rest(self) -> float:
        """The score less every pixel's contribution: for the linear model, its bias."""
        return self.score - float(self.contributions.sum())


def explain(model, image: np.ndarray, class_digits: tuple[int, ...]) -> Explanation:
    """Each pixel's contribution to the score behind the model's answer for a (28, 28) image."""
    x = torch.as_tensor(image, dtype=torch.float32).reshape(1, 784).clone().requires_grad_()
    with torch.enable_grad():
        output = model(x)[0]
        index = 0 if len(output) == 1 else int(output.argmax())
        # Only the input's gradient: the model's own .grad, which its optimiser reads, stays untouched.
        (gradient,) = torch.autograd.grad(output[index], x)
    contributions = (gradient * x).detach()[0].numpy()
    if len(output) == 1:
        return Explanation(contributions, output[0].item(), class_digits[1], class_digits[0])
    return Explanation(contributions, output[index].item(), class_digits[index], None)
