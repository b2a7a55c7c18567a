"""Plotly figures of weights, gradients and images, shared by every page that shows them."""

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

DIVERGING = "RdBu_r"  # red for positive, blue for negative, white at zero
FONT = {"size": 15}
INK_SHOWN = 0.1  # a pixel this bright or more counts as ink on a map drawn over an image
BARE_AXIS = {"showticklabels": False, "ticks": "", "showgrid": False, "zeroline": False}  # for pictures


def colour_bar(title: str) -> dict:
    # plain decimals: a learner reads 0.0002 more easily than plotly's 200µ
    return {"title": {"text": title}, "exponentformat": "none"}


def colour_range(values, diverging: bool) -> dict:
    """A heatmap's colours: diverging ones span -m..m around a white 0 (m the largest finite size:
    the gradients of a model whose sums overflow are NaN or infinite), images run from black at 0
    to white at 1."""
    values = np.asarray(values, dtype=float)
    if diverging:
        sizes = np.abs(values[np.isfinite(values)])
        limit = float(sizes.max()) if sizes.size and sizes.max() > 0 else 1.0
        return {"colorscale": DIVERGING, "zmid": 0, "zmin": -limit, "zmax": limit}
    return {"colorscale": "Greys_r", "zmin": 0, "zmax": max(1.0, float(values.max()))}


def heatmap(values, title: str = "", diverging: bool = True, colorbar: str = "", height: int = 360) -> go.Figure:
    """A matrix as a heatmap; diverging ones centre white on zero so sign reads at a glance."""
    values = np.asarray(values, dtype=float)
    trace = go.Heatmap(
        z=values,
        **colour_range(values, diverging),
        colorbar=colour_bar(colorbar),
        hovertemplate="row %{y}, column %{x}: %{z:.4f}<extra></extra>",
    )
    figure = go.Figure(trace)
    figure.update_yaxes(autorange="reversed", scaleanchor="x", constrain="domain", **BARE_AXIS)
    figure.update_xaxes(constrain="domain", **BARE_AXIS)
    figure.update_layout(title=title, height=height, margin={"l": 10, "r": 10, "t": 40 if title else 10, "b": 10},
                         font=FONT)
    return figure


def matrix_height(rows: int, columns: int) -> int:
    """Pixels for a heatmap of a matrix in half the page: square cells, never a sliver."""
    return max(170, 60 + int(300 * min(rows / columns, 1.5)))


def pixel_map(values784, title: str = "", colorbar: str = "", height: int = 360) -> go.Figure:
    """784 numbers, one per pixel (weights, gradients, contributions), as a 28x28 diverging map."""
    return heatmap(np.asarray(values784, dtype=float).reshape(28, 28), title, True, colorbar, height)


def contribution_map(values784, image, positive: str, negative: str, height: int = 360) -> go.Figure:
    """Each pixel's push on an answer (784 values) over the image it was computed for: a diverging
    28x28 map on the ink, grey where the image is (nearly) black, the colour bar's ends named for
    what each sign pushes towards ("towards 6", "towards 2")."""
    values = np.asarray(values784, dtype=float)
    ink = np.asarray(image).reshape(784) >= INK_SHOWN
    figure = pixel_map(np.where(ink, values, np.nan), height=height)
    limit = colour_range(values, diverging=True)["zmax"]
    ends = 0.8 * limit  # labels at the very ends of a colour bar are clipped
    figure.update_traces(
        zmin=-limit, zmax=limit,
        colorbar={"orientation": "h", "y": -0.02, "yanchor": "top", "thickness": 14, "tickvals": [-ends, 0, ends],
                  "ticktext": [negative, "0", positive]},
        hovertemplate="row %{y}, column %{x}: push %{z:+.4f}<extra></extra>",
    )
    figure.update_layout(plot_bgcolor="#cfd3d8", margin={"b": 60})
    return figure


def probability_bars(probabilities: dict[int, float], height: int = 300) -> go.Figure:
    """One bar per class, the chosen one highlighted; all zeros (no answer yet) gives the axes alone."""
    digits = list(probabilities)
    values = [probabilities[d] for d in digits]
    best = int(np.argmax(values)) if any(values) else None
    colours = ["#d62728" if i == best else "#9aa7b8" for i in range(len(digits))]
    figure = go.Figure(go.Bar(x=[str(d) for d in digits], y=values, marker_color=colours,
                              text=[f"{v:.1%}" if best is not None else "" for v in values], textposition="outside"))
    figure.update_yaxes(range=[0, 1.15], tickformat=".0%", title="probability")
    figure.update_xaxes(title="digit", type="category")
    figure.update_layout(height=height, margin={"l": 10, "r": 10, "t": 10, "b": 10}, font=FONT)
    return figure


def pixel_grid(rows, titles: list[str], columns: int, diverging: bool = True, colorbar: str = "",
               cell: int = 100) -> go.Figure:
    """Many 784-value rows (filters, average digits, images) as small 28x28 maps on one shared
    colour scale, `columns` to a line, each under its title; `cell` is a map's height in pixels.
    Only a diverging grid gets a colour bar: images read as images, black 0 to white 1.

    The axes are laid out by hand: plotly's make_subplots takes about a second for 40 maps."""
    rows = np.asarray(rows, dtype=np.float32).reshape(-1, 28, 28)  # float32 halves what the browser downloads
    title_space, gap = 22, 0.015  # pixels above each map for its title; share of the width between maps
    n_lines = -(-len(rows) // columns)
    area = n_lines * (cell + title_space)
    width = (1 - gap * (columns - 1)) / columns
    colours = colour_range(rows, diverging)
    traces, layout, notes = [], {}, []
    for index, (image, title) in enumerate(zip(rows, titles, strict=True)):
        line, column = divmod(index, columns)
        x, y = f"x{index + 1 if index else ''}", f"y{index + 1 if index else ''}"
        left, top = column * (width + gap), 1 - (line * (cell + title_space) + title_space) / area
        traces.append({
            "type": "heatmap", "z": image, **colours, "xaxis": x, "yaxis": y, "showscale": diverging and index == 0,
            "colorbar": colour_bar(colorbar),
            "hovertemplate": f"{title}<br>row %{{y}}, column %{{x}}: %{{z:.4f}}<extra></extra>",
        })
        layout[x.replace("x", "xaxis")] = {"domain": [left, min(left + width, 1.0)], "anchor": y,
                                           "constrain": "domain", **BARE_AXIS}
        layout[y.replace("y", "yaxis")] = {"domain": [max(top - cell / area, 0.0), top], "anchor": x, "scaleanchor": x,
                                           "constrain": "domain", "constraintoward": "top", "autorange": "reversed",
                                           **BARE_AXIS}
        notes.append({"text": title, "x": left + width / 2, "y": top, "xref": "paper", "yref": "paper",
                      "xanchor": "center", "yanchor": "bottom", "showarrow": False, "font": {"size": 13}})
    figure = go.Figure(traces, {**layout, "annotations": notes})
    figure.update_layout(height=area + 20, font=FONT, margin={"l": 10, "r": 10, "t": 10, "b": 10})
    return figure


def confusion_map(matrix, class_digits, height: int = 360) -> go.Figure:
    """Counts of validation images, actual digit down, answered digit across; the diagonal
    holds the right answers."""
    matrix = np.asarray(matrix)
    names = [str(d) for d in class_digits]
    figure = go.Figure(go.Heatmap(
        z=matrix, x=names, y=names, text=matrix, texttemplate="%{text}", colorscale="Blues", showscale=False,
        textfont={"size": 15 if len(names) <= 5 else 13},  # ten digits: four-digit counts in small cells
        hovertemplate="actual %{y}, answered %{x}: %{z} images<extra></extra>",
    ))
    figure.update_xaxes(title="answered", type="category", side="top", tickfont=FONT, showgrid=False)
    figure.update_yaxes(title="actual", type="category", autorange="reversed", scaleanchor="x", constrain="domain",
                        constraintoward="top", tickfont=FONT, showgrid=False)
    figure.update_layout(height=height, font=FONT, margin={"l": 10, "r": 10, "t": 40, "b": 10})
    return figure


CURVE_COLOURS = ("#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b")


@dataclass(frozen=True)
class Series:
    """One curve: its name in the legend, its points, and how to draw them."""

    name: str
    x: Sequence[float]
    y: Sequence[float]
    staircase: bool = False  # hold each value until the next x: for what moves in jumps, like accuracy
    points: bool = False  # markers only, no line
    faint: bool = False  # thin and see-through: noisy detail behind the main curves


@dataclass(frozen=True)
class Panel:
    y_title: str
    series: Sequence[Series]
    log: bool = False


def curves(panels: Sequence[Panel], x_title: str, height: int = 300) -> go.Figure:
    """Plots stacked over one shared x axis, `height` pixels each. A name keeps its colour and
    its one legend entry in every plot, so the same run reads the same everywhere."""
    figure = make_subplots(rows=len(panels), cols=1, shared_xaxes=True, vertical_spacing=0.06)
    colours: dict[str, str] = {}
    for row, panel in enumerate(panels, 1):
        for series in panel.series:
            first = series.name not in colours
            colour = colours.setdefault(series.name, CURVE_COLOURS[len(colours) % len(CURVE_COLOURS)])
            figure.add_trace(go.Scatter(
                x=list(series.x), y=list(series.y), name=series.name, legendgroup=series.name, showlegend=first,
                mode="markers" if series.points else "lines", opacity=0.45 if series.faint else 1.0,
                line={"color": colour, "width": 1 if series.faint else 2.5,
                      "shape": "hv" if series.staircase else "linear"},
                marker={"color": colour, "size": 7},
            ), row=row, col=1)
        figure.update_yaxes(title_text=panel.y_title, type="log" if panel.log else "linear", row=row, col=1)
    figure.update_xaxes(title_text=x_title, row=len(panels), col=1)
    figure.update_layout(
        height=height * len(panels) + 40, font=FONT, margin={"l": 10, "r": 10, "t": 40, "b": 10},
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.0, "x": 0},
    )
    return figure
