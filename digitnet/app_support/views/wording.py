"""Small pieces of the app's wording, the same on every page."""

import math


def count(n: int, noun: str, plural: str = "") -> str:
    """'1 epoch', '2 epochs'; count(1024, "batch", "batches") is '1,024 batches'."""
    return f"{n:,} {noun if n == 1 else plural or noun + 's'}"


def signed(value: float) -> str:
    """Four decimals, or as many as three significant digits need: gradients can be tiny. Past a
    million, a power of ten (a loaded model's weights can reach 3e38); NaN and infinity as such."""
    if math.isnan(value):
        return "NaN"
    if abs(value) >= 1e6:
        return f"{value:+.3e}" if math.isfinite(value) else f"{value:+}"
    if value == 0 or abs(value) >= 0.001:
        return f"{value:+.4f}"
    return f"{value:+.{min(10, 2 - math.floor(math.log10(abs(value))))}f}"


def bias_text(bias) -> str:
    """One bias, or the range of a layer's biases (a tensor)."""
    if bias.numel() == 1:
        return f"bias {signed(bias.item())}"
    return f"{bias.numel()} biases from {signed(bias.min().item())} to {signed(bias.max().item())}"


def sure(probability: float) -> str:
    return ">99%" if probability > 0.99 else f"{probability:.0%}"  # never a "100%" that is not


MARKDOWN = set("\\`*_[]<>#|~$")  # what makes links, images, code, emphasis, headings, tables, maths
# Markdown turns bare addresses into links even with their signs escaped: a zero-width space
# after each of these breaks the address up, and reads the same.
AUTOLINKS = ("://", "www.", "@")
ZERO_WIDTH = "\u200b"


def plain(text: str) -> str:
    """Text from a user (a link's value, a file's name, a nickname) for a place that renders
    Markdown: the signs that make links, images, emphasis, code, headings and maths are
    escaped, and bare addresses broken up, so the text shows as the characters typed."""
    escaped = "".join(f"\\{char}" if char in MARKDOWN else char for char in str(text))
    for start in AUTOLINKS:
        escaped = escaped.replace(start, start[:-1] + ZERO_WIDTH + start[-1])
    return escaped
