"""Every stroke kept (issue 11, item 1), in a real browser at a person's pace: six fresh
sessions each draw a digit of two or three strokes as their first drawing, and one session draws
the nine of harness/strokes_kept.ORDER in a row. After each, the canvas holds every stroke drawn
and the answer is for the whole drawing. bench/draw_strokes.py runs the same against any server
and prints the mouse-up to answer times, twenty of each by default (pytest -s prints them here
too): the suite keeps to few fresh sessions, the slowest thing a browser test does."""

import pytest

from harness.strokes_kept import ORDER, run, summary

pytestmark = pytest.mark.browser


def test_every_stroke_is_kept_and_answered(app_url):
    fresh, in_a_row, outside = run(app_url, fresh=6, in_a_row=len(ORDER))
    print(f"\n{summary('fresh sessions', fresh)}\n{summary('in a row', in_a_row)}")
    assert not outside, f"the app made requests off this machine: {outside[:5]}"
    assert len(fresh) == 6 and len(in_a_row) == len(ORDER)
    for name, rows in (("fresh", fresh), ("in a row", in_a_row)):
        assert all(r.all_kept for r in rows), (name, [r for r in rows if not r.all_kept])
        assert all(r.answered_whole for r in rows), (name, [r for r in rows if not r.answered_whole])
