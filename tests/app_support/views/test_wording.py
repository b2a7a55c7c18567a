import math
import re

from hypothesis import given
from hypothesis import strategies as st

from digitnet.app_support.views.wording import ZERO_WIDTH, count, plain, signed


def test_count_says_one_thing_and_many_things():
    assert count(1, "epoch") == "1 epoch"
    assert count(0, "epoch") == "0 epochs"
    assert count(1024, "batch", "batches") == "1,024 batches"
    assert count(1, "batch", "batches") == "1 batch"
    assert count(2, "more epoch") == "2 more epochs"


def test_signed_gives_three_significant_digits_of_any_float():
    assert [signed(v) for v in (0.0, 0.5, -2.25, 0.00012345, -3e-9)] == \
        ["+0.0000", "+0.5000", "-2.2500", "+0.000123", "-0.0000000030"]
    # a loaded model's weights may be near float32's largest, and its gradients then overflow
    assert [signed(v) for v in (3e38, -1234567.0)] == ["+3.000e+38", "-1.235e+06"]
    assert [signed(v) for v in (math.nan, math.inf, -math.inf)] == ["NaN", "+inf", "-inf"]


def read(markdown: str) -> str:
    """The characters a reader sees of Markdown made of backslash escapes and zero-width spaces only."""
    return re.sub(r"\\(.)", r"\1", markdown.replace(ZERO_WIDTH, ""))


@given(st.text(st.characters(blacklist_characters="\r\n\u200b")))
def test_plain_text_reads_as_typed(text):
    assert read(plain(text)) == text


def test_plain_text_is_one_line_and_begins_nothing():
    assert read(plain("a\nb\r\nc")) == "a b c"
    assert [plain(text)[:2] for text in ("- x", "+ x", "1. x")] == ["\\-", "\\+", "1\\"]
    assert plain("    code").startswith(ZERO_WIDTH)  # four spaces would begin a block of code
