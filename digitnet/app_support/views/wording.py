"""Small pieces of the app's wording, the same on every page."""

import math
import re


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


# The signs that make links and images ([ ] !), code (`), emphasis and strikethrough (* _ ~), HTML and
# autolinks (< >), entities (&), headings (#), tables (|) and maths ($), escaped wherever they are.
MARKDOWN = set("\\`*_[]<>!&#|~$")
# At a line's start a few more begin a list or a numbered item ("- ", "+ ", "1. ", "2) ").
LIST_MARKER = re.compile(r"^(\d{1,9}(?=[.)])|(?=[-+]))")
# Some Markdown is made from the text once the escapes are read, so a backslash cannot stop it: GFM's bare
# addresses (www.x, http://x, mailto:x, a@b.c), emoji (:smile:), Streamlit's directives and icons (:red[...],
# :material/home:) and its arrows and dashes (-> <= --). A zero-width space after a colon that a word follows,
# before an @, after a www and inside those pairs breaks each of them, and reads the same.
BARE = re.compile(r"(?<=:)(?=\S)|(?=@)|(?i:(?<=www)(?=\.))|(?<=-)(?=[->])|(?<=<)(?=[-=])|(?<=[>~])(?==)")
ZERO_WIDTH = "\u200b"
LINE_BREAKS = re.compile(r"\r\n?|\n")


def plain(text: str) -> str:
    """Text from a user (a link's value, a file's name, a nickname, a run named after a file) for a
    place that renders Markdown, as st.markdown, st.caption, alerts, image captions and widget labels
    do: it shows as the characters typed, on one line, and makes no link, image, emphasis, code,
    heading, list, table, maths, emoji, colour or icon."""
    broken = BARE.sub(ZERO_WIDTH, LINE_BREAKS.sub(" ", str(text)))
    escaped = LIST_MARKER.sub(r"\g<0>\\", "".join(f"\\{char}" if char in MARKDOWN else char for char in broken), 1)
    # Spaces at either end would indent the line into a code block, or undo the bold around the text.
    return f"{ZERO_WIDTH * escaped[:1].isspace()}{escaped}{ZERO_WIDTH * escaped[-1:].isspace()}"


FORMULA = ("=", "+", "-", "@", "\t", "\r")  # how a spreadsheet's formula begins


def as_cell(text: str) -> str:
    """Text from a user for a table's cell: a table's "Download as CSV" writes it as it is, and a
    spreadsheet runs a cell that begins like a formula (=HYPERLINK(...)). An apostrophe before
    such a text makes it text there, and reads the same on the page."""
    return f"'{text}" if str(text).startswith(FORMULA) else str(text)
