"""The learner's own digits as one picture: a grid, each digit labelled, those kept aside from
fine-tuning framed."""

from PIL import Image, ImageDraw, ImageFont

CELL, LABEL = 84, 18  # the grid's pixels: a digit three times its size, and its label under it
ASIDE = (230, 145, 20)  # the frame of a digit kept aside from fine-tuning


def digit_grid(images, labels, aside=()) -> Image.Image:
    """A grid of (28, 28) uint8 images, three times their size, ten to a row, each labelled; those
    whose index is in `aside` framed."""
    rows = -(-len(labels) // 10)
    grid = Image.new("RGB", (10 * CELL, rows * (CELL + LABEL)), "white")
    pen, font = ImageDraw.Draw(grid), ImageFont.load_default(size=14)
    for i, (image, label) in enumerate(zip(images, labels)):
        x, y = (i % 10) * CELL, (i // 10) * (CELL + LABEL)
        grid.paste(Image.fromarray(image).resize((CELL - 4, CELL - 4), Image.Resampling.NEAREST), (x + 2, y + 2))
        if i in aside:
            pen.rectangle((x, y, x + CELL - 1, y + CELL - 1), outline=ASIDE, width=2)
        pen.text((x + CELL // 2, y + CELL + LABEL // 2), str(label), fill="black", font=font, anchor="mm")
    return grid
