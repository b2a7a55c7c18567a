"""Changes to training images that make a model read drawings better.

`augment`: small random shifts, turns and size changes of each training batch. Drawn digits
are rarely as well centred as MNIST's; seeing shifted copies in training makes a model that
reads them better. It is cheap enough for every batch of a learner's run (Settings.augment).

`draw_augment`: a drawn digit differs from an MNIST digit in how it is made, not only where it
sits. Its stroke is whatever brush the learner chose (after scaling to 20 pixels: from half a
pixel to four or more), its slant and width are the learner's, and a hand on a mouse bends its
lines; then the Draw page's preprocessing crops it to its ink, scales the longer side to 20
pixels and centres it by mass. draw_augment does the same to a batch of MNIST images:

1. a random slant (shear), width-to-height ratio, turn and elastic bend, sampled onto a larger
   canvas at twice the resolution so that nothing is cut off;
2. a random stroke width: grey-level dilation or erosion at that resolution, each step adding
   or removing half a pixel on each side of a stroke (at 28x28);
3. the preprocessing again (`normalise`): crop to the ink, longer side to 20 pixels, centre of
   mass at the centre (with up to half a pixel of jitter), brightest pixel 1.

It costs about 0.3 ms an image on one core, too much for every batch of a live run: the
default models' build (drawing/defaults.py) makes augmented copies of MNIST once. Everything
random comes from the torch.Generator passed in, so a seeded run repeats exactly.
"""

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F

SIZE, BOX = 28, 20  # an MNIST image, and the longer side of its digit (as drawing/preprocess.py makes it)
UP = 2  # draw_augment works at twice the resolution
PAD = 7  # room around the 28x28 image for slanted and widened digits, in 28-pixel units
INK = 0.5  # normalise crops to pixels at least half as bright as the brightest, as preprocess does


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


@dataclass(frozen=True)
class DrawnLook:
    """How far draw_augment may go; each image draws its own values up to these. The defaults
    are the default models' (recorded in their files)."""

    max_slant: float = 0.5  # shear: x moves by up to this times y
    max_degrees: float = 12.0  # turn
    aspect: tuple[float, float] = (0.7, 1.25)  # width times a, height divided by a
    elastic: float = 0.1  # a smooth random bend, in half-widths of the image
    thickness: tuple[float, float] = (-1.5, 2.5)  # steps of erosion (< 0) or dilation (> 0)
    jitter: float = 0.5  # pixels off the centre of mass


def draw_augment(images: torch.Tensor, generator: torch.Generator, look: DrawnLook = DrawnLook()) -> torch.Tensor:
    """(n, 784) images in [0, 1] -> (n, 784) variants that look drawn, normalised as preprocess does."""
    n = len(images)
    side = (SIZE + 2 * PAD) * UP
    angle = _uniform(n, -math.radians(look.max_degrees), math.radians(look.max_degrees), generator)
    slant = _uniform(n, -look.max_slant, look.max_slant, generator)
    a = torch.exp(_uniform(n, math.log(look.aspect[0]), math.log(look.aspect[1]), generator))
    # the forward map (image -> drawn): scale, then shear (the top leans right for slant > 0), then turn
    cos, sin = angle.cos(), angle.sin()
    rotate = torch.stack([torch.stack([cos, -sin], 1), torch.stack([sin, cos], 1)], 1)
    shear = torch.zeros(n, 2, 2)
    shear[:, 0, 0], shear[:, 0, 1], shear[:, 1, 1] = 1, -slant, 1
    scale = torch.diag_embed(torch.stack([a, 1 / a], 1))
    inverse = torch.linalg.inv(rotate @ shear @ scale) * (side / UP / SIZE)  # the canvas is wider than the image
    grid = affine_grid(torch.cat([inverse, torch.zeros(n, 2, 1)], 2), side)
    if look.elastic > 0:
        coarse = torch.randn(n, 2, 4, 4, generator=generator) * _uniform(n, 0, look.elastic, generator).view(n, 1, 1, 1)
        smooth = F.interpolate(coarse, size=(8, 8), mode="bicubic", align_corners=True)
        grid = grid + F.interpolate(smooth, size=(side, side), mode="bilinear", align_corners=True).permute(0, 2, 3, 1)
    canvas = F.grid_sample(images.view(n, 1, SIZE, SIZE), grid, align_corners=False, padding_mode="zeros")
    canvas = change_thickness(canvas, _uniform(n, *look.thickness, generator))
    shift = _uniform(n * 2, -look.jitter, look.jitter, generator).view(n, 2)
    return normalise(canvas, shift).view(n, 784)


def _uniform(n: int, low: float, high: float, generator: torch.Generator) -> torch.Tensor:
    return low + (high - low) * torch.rand(n, generator=generator)


def affine_grid(theta: torch.Tensor, side: int) -> torch.Tensor:
    """F.affine_grid(theta, (n, 1, side, side), align_corners=False), by broadcasting: several
    times faster on a CPU for these sizes."""
    centres = (torch.arange(side) * 2 + 1) / side - 1
    x, y = centres.view(1, 1, side), centres.view(1, side, 1)
    t = theta.view(-1, 6, 1, 1)
    return torch.stack([t[:, 0] * x + t[:, 1] * y + t[:, 2], t[:, 3] * x + t[:, 4] * y + t[:, 5]], -1)


def dilate(x: torch.Tensor) -> torch.Tensor:
    """3x3 grey-level dilation of (n, 1, H, W): the largest of each pixel's neighbours, as
    shifted maxima (much faster than max_pool2d here)."""
    rows = x.clone()
    rows[..., 1:, :] = torch.maximum(rows[..., 1:, :], x[..., :-1, :])
    rows[..., :-1, :] = torch.maximum(rows[..., :-1, :], x[..., 1:, :])
    out = rows.clone()
    out[..., 1:] = torch.maximum(out[..., 1:], rows[..., :-1])
    out[..., :-1] = torch.maximum(out[..., :-1], rows[..., 1:])
    return out


def change_thickness(canvas: torch.Tensor, steps: torch.Tensor) -> torch.Tensor:
    """Each image of (n, 1, H, W) dilated (steps > 0) or eroded (< 0) by |steps| 3x3 steps, the
    last one blended in by its fraction."""
    n = len(canvas)
    out = canvas.clone()
    for sign in (1, -1):
        amount = (steps * sign).clamp_min(0)  # this direction's steps, per image
        current = canvas
        for k in range(1, math.ceil(amount.max().item()) + 1):
            current = dilate(current) if sign > 0 else -dilate(-current)
            weight = (amount - (k - 1)).clamp(0, 1).view(n, 1, 1, 1)  # 1 for whole steps, a fraction for the last
            out = torch.where(weight > 0, out * (1 - weight) + current * weight, out)
    # erosion can wipe out a thin stroke: keep the original where too little ink is left
    kept = out.flatten(1).amax(1) > 0.35
    return torch.where(kept.view(-1, 1, 1, 1), out, canvas)


def normalise(canvas: torch.Tensor, shift: torch.Tensor | None = None) -> torch.Tensor:
    """(n, 1, H, W) -> (n, 1, 28, 28), as drawing/preprocess.py does once it has found the ink:
    crop to the pixels at least half as bright as the brightest, longer side to 20 pixels
    (smoothed), centre of mass at the centre (plus `shift` pixels), brightest pixel 1."""
    n, _, height, width = canvas.shape
    flat = canvas.view(n, height, width)
    top = flat.flatten(1).amax(1).clamp_min(1e-6)
    ink = flat >= INK * top.view(n, 1, 1)
    rows, cols = ink.any(2), ink.any(1)
    row_at, col_at = torch.arange(height), torch.arange(width)
    far = 10**6
    r0, r1 = torch.where(rows, row_at, far).amin(1), torch.where(rows, row_at, -1).amax(1) + 1
    c0, c1 = torch.where(cols, col_at, far).amin(1), torch.where(cols, col_at, -1).amax(1) + 1
    extent = torch.maximum(r1 - r0, c1 - c0).clamp_min(1).float()  # in source pixels
    mass = flat.sum((1, 2)).clamp_min(1e-6)
    cy = (flat.sum(2) * (row_at + 0.5)).sum(1) / mass
    cx = (flat.sum(1) * (col_at + 0.5)).sum(1) / mass
    if shift is not None:  # in output pixels: move the sampling point the other way
        cx, cy = cx - shift[:, 0] * extent / BOX, cy - shift[:, 1] * extent / BOX
    # output coordinate o (0..28) samples source p = c + (o - 14) * extent / 20
    theta = torch.zeros(n, 2, 3)
    theta[:, 0, 0] = SIZE / 2 * extent / BOX / (width / 2)
    theta[:, 1, 1] = SIZE / 2 * extent / BOX / (height / 2)
    theta[:, 0, 2] = cx / (width / 2) - 1
    theta[:, 1, 2] = cy / (height / 2) - 1
    out = F.avg_pool2d(F.grid_sample(canvas, affine_grid(theta, SIZE * 2), align_corners=False), 2)
    return out / out.flatten(1).amax(1).clamp_min(1e-6).view(n, 1, 1, 1)
