"""Helpers shared by tests/ and bench/: starting the app, driving Chromium, a Streamlit
websocket client, strokes to draw in the browser, and the classroom, live-chart and
stroke-keeping runs that a test asserts on and a benchmark prints.

- `server`: `streamlit run app.py` on a free port of 127.0.0.1, stopped by its PID.
- `classroom`: `make class` (replicas behind HAProxy) in a process group, stopped by the group's id.
- `browser`: Debian's Chromium through Playwright, and pages that fail on requests off this machine.
- `client`: a Streamlit session driven over its websocket, as a browser tab drives it.
- `drawings`: the strokes the browser tests draw, and reading back the canvas and the answer
  (generated drawings for the models' tests: digitnet/drawing/generated.py).
- `strokes_kept`: digits drawn at a person's pace in fresh sessions and in a row, each checked.
- `live_chart`: sampling the Train page's live chart while a run trains.
- `load`: a class of sessions that train at once, then draw.
- `memory`: the app's CPU time and memory from /proc (summed over its process tree), and the
  Data page opened for pair after pair.

It imports neither pytest nor torch: a benchmark pays for neither.
"""
