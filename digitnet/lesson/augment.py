"""Small random shifts, turns and size changes of each training batch.

Drawn digits are rarely as well centred as MNIST's; seeing shifted copies in training
makes a model that reads them better.
"""

import math

import torch
import torch.nn.functional as F


def augment(images: torch.Tensor, generator: torch.Generator, max_shift=2.0, max_degrees=12.0, max_scale=0.1):
    """(n, 784) images, each moved by up to max_shift pixels, turned and rescaled a little."""
    n = len(images)

    def uniform(size, bound):
        return (torch.rand(size, generator=generator) * 2 - 1) * bound

    angle = uniform(n, math.radians(max_degrees))
    scale = 1 + uniform(n, max_scale)
    shift = uniform((n, 2), max_shift * 2 / 28)  # affine_grid measures in half-widths
    cos, sin = angle.cos() / scale, angle.sin() / scale
    theta = torch.stack([torch.stack([cos, -sin, shift[:, 0]], 1), torch.stack([sin, cos, shift[:, 1]], 1)], 1)
    grid = F.affine_grid(theta, (n, 1, 28, 28), align_corners=False)
    return F.grid_sample(images.view(n, 1, 28, 28), grid, align_corners=False).view(n, 784)
