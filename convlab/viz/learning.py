"""Pictures of a network learning: small multiples, feature maps, curves, a confusion matrix, training habits.

Lessons 08 and 09 draw every step of training with these: kernels converging,
the learned filters, one digit on its way through the network, the loss and
accuracy per epoch, which digits are confused with which, and the habits
that catch a broken training early: the loss after a few steps for a sweep of
learning rates, with the rate from which training diverges marked
(:func:`lr_sweep_figure`, :func:`divergence_edge`), and the distribution of
each layer's activations and gradients before and after training
(:func:`layer_histograms`).  Each function
takes plain arrays the lesson computed and returns a matplotlib figure (closed,
so a notebook shows it once, as the cell's result).
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.colors import TwoSlopeNorm
from matplotlib.ticker import NullLocator

from .style import BLUE, GREY, ORANGE, VERMILLION

__all__ = ["image_grid", "feature_maps", "training_curves", "confusion_figure", "divergence_edge",
           "lr_sweep_figure", "layer_histograms"]

#: Diverging colours for weights: blue negative, white zero, red positive.
WEIGHTS_CMAP = "RdBu_r"


def image_grid(images, titles=None, *, ncols=None, cmap="gray_r", signed=False, annotate=False, cell=1.1,
               title=None, colorbar=False, fontsize=9, row_labels=None):
    """Small multiples: one image per panel, all on one colour scale.

    Parameters
    ----------
    images : array_like, shape (n, H, W)
        The images (kernels, digits, feature maps).
    titles : sequence of str, optional
        One per image.
    ncols : int, optional
        Panels per row; all in one row by default.
    cmap : str, optional
        Colour map for unsigned images.
    signed : bool, optional
        Weights that can be negative: a diverging map centred on 0 (blue
        negative, red positive) with limits ``±max|value|``.
    annotate : bool, optional
        Write each value in its cell (for small kernels).
    cell : float, optional
        Width of one panel, in inches.
    title : str, optional
        A title over the whole grid.
    colorbar : bool, optional
        Add one colour bar for the shared scale.
    fontsize : float, optional
        Size of the panel titles.
    row_labels : sequence of str, optional
        A label left of each row of panels.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> fig = image_grid(np.eye(3)[None], ["identity"], signed=True, annotate=True)
    >>> [t.get_text() for t in fig.axes[0].texts][:3]
    ['1', '0', '0']
    """
    images = np.asarray(images, dtype=float)
    if images.ndim != 3:
        raise ValueError(f"images must have shape (n, H, W), got shape {images.shape}")
    n = len(images)
    ncols = n if ncols is None else min(ncols, n)
    nrows = -(-n // ncols)
    h, w = images.shape[1:]
    panel_h = cell * h / w
    # Heights in inches: the grid title, then per row a panel title and the panel.
    top = 0.4 if title else 0.05
    label_h = 0.14 * fontsize / 9 * (1 + max((t.count("\n") for t in titles), default=0)) + 0.1 if titles else 0.05
    left = 1.2 if row_labels else 0.05
    right = 0.75 if colorbar else 0.05
    gap = 0.08
    width = left + ncols * cell + (ncols - 1) * gap + right
    height = top + nrows * (label_h + panel_h) + (nrows - 1) * 0.12 + 0.05
    fig = plt.figure(figsize=(width, height))
    if signed:
        limit = float(np.max(np.abs(images))) or 1.0
        style = dict(cmap=WEIGHTS_CMAP, norm=TwoSlopeNorm(0.0, -limit, limit))
    else:
        style = dict(cmap=cmap, vmin=float(images.min()), vmax=float(images.max()))
    span = float(np.max(np.abs(images))) or 1.0
    text_size = min(11.0, cell * 72 / max(h, w) / 2.8)  # four characters fit across a cell
    shown = None
    for index in range(n):
        r, c = divmod(index, ncols)
        x0 = left + c * (cell + gap)
        y0 = height - top - (r + 1) * (label_h + panel_h) - r * 0.12
        ax = fig.add_axes((x0 / width, y0 / height, cell / width, panel_h / height))
        ax.set_xticks([])
        ax.set_yticks([])
        shown = ax.imshow(images[index], interpolation="nearest", **style)
        if titles is not None:
            ax.set_title(titles[index], fontsize=fontsize, pad=3)
        if row_labels is not None and c == 0 and r < len(row_labels):
            ax.set_ylabel(row_labels[r], fontsize=fontsize + 1, rotation=0, ha="right", va="center", labelpad=8)
        if annotate:
            for (i, j), value in np.ndenumerate(images[index]):
                if signed:
                    dark = abs(value) > 0.6 * span
                else:
                    dark = value > style["vmin"] + 0.6 * (style["vmax"] - style["vmin"])
                ax.text(j, i, _short(value), ha="center", va="center", fontsize=text_size,
                        color="white" if dark else "black")
    if title:
        fig.text(0.5, 1 - 0.2 / height, title, ha="center", va="center", fontsize=11)
    if colorbar and shown is not None:
        bar_h = min(height - top - 0.1, 2.5)
        bar = fig.add_axes(((width - right + 0.15) / width, (height - top - bar_h) / height, 0.12 / width,
                            bar_h / height))
        fig.colorbar(shown, cax=bar)
        bar.tick_params(labelsize=8)
    plt.close(fig)
    return fig


def feature_maps(stages, probabilities=None, *, per_row=16, cell=0.62):
    """One image on its way through a network: a band of panels per stage.

    Parameters
    ----------
    stages : sequence of (str, array_like)
        ``(name, maps)`` in the order the network computes them; ``maps`` is
        ``(C, H, W)`` (one panel per channel) or ``(H, W)``.  Each stage has
        its own colour scale, from its smallest to its largest value; signed
        stages (before a ReLU) use the diverging map; the first stage, the
        input, is drawn in grey, the others bright where they respond.
    probabilities : array_like, shape (classes,), optional
        The network's output, drawn as a bar chart under the maps.
    per_row : int, optional
        Panels per row; a stage with more channels wraps onto more rows.
    cell : float, optional
        Width of one panel, in inches.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> fig = feature_maps([("input", np.eye(4)), ("two maps", np.ones((2, 2, 2)))], np.array([0.9, 0.1]))
    >>> [ax.get_title(loc="left") for ax in fig.axes if ax.get_title(loc="left")]
    ['input  (1 map, 4×4)', 'two maps  (2 maps, 2×2)', 'output: probability of each class']
    """
    stages = [(name, np.asarray(maps, dtype=float)) for name, maps in stages]
    stages = [(name, maps[None] if maps.ndim == 2 else maps) for name, maps in stages]
    rows_per_stage = [-(-len(maps) // per_row) for _, maps in stages]
    label = 0.32
    band_rows = [(label + r * cell) for r in rows_per_stage]
    bars = 1.5 if probabilities is not None else 0.0
    width = per_row * cell + 0.2
    height = sum(band_rows) + 0.08 * len(stages) + bars + 0.1
    fig = plt.figure(figsize=(width, height))
    top = height - 0.05
    for number, ((name, maps), n_rows) in enumerate(zip(stages, rows_per_stage)):
        signed = maps.min() < 0
        if number == 0 and not signed:  # the input, drawn like every other picture of a digit
            style = dict(cmap="gray_r", vmin=0.0, vmax=float(maps.max()) or 1.0)
        elif signed:
            limit = float(np.max(np.abs(maps))) or 1.0
            style = dict(cmap=WEIGHTS_CMAP, norm=TwoSlopeNorm(0.0, -limit, limit))
        else:
            style = dict(cmap="magma" if maps.max() > 0 else "gray", vmin=0.0, vmax=float(maps.max()) or 1.0)
        channels, h, w = maps.shape
        plural = "map" if channels == 1 else "maps"
        for index in range(channels):
            r, c = divmod(index, per_row)
            left = 0.1 + c * cell
            bottom = top - label - (r + 1) * cell
            ax = fig.add_axes((left / width, bottom / height, 0.92 * cell / width, 0.92 * cell / height))
            ax.imshow(maps[index], interpolation="nearest", **style)
            ax.set_xticks([])
            ax.set_yticks([])
            if index == 0:
                ax.set_title(f"{name}  ({channels} {plural}, {h}×{w})", loc="left", fontsize=9.5, pad=4)
        top -= label + n_rows * cell + 0.08
    if probabilities is not None:
        p = np.asarray(probabilities, dtype=float)
        ax = fig.add_axes((0.5 / width, 0.35 / height, (width - 0.7) / width, (bars - 0.75) / height))
        colors = [ORANGE if i == int(np.argmax(p)) else BLUE for i in range(len(p))]
        ax.bar(np.arange(len(p)), p, color=colors)
        ax.set_xticks(np.arange(len(p)))
        ax.set_ylim(0, 1)
        ax.set_yticks([0, 0.5, 1])
        ax.tick_params(labelsize=8)
        ax.spines[["top", "right"]].set_visible(False)
        ax.set_title("output: probability of each class", loc="left", fontsize=9.5, pad=4)
    plt.close(fig)
    return fig


def training_curves(history, *, title=None):
    """Loss and accuracy per epoch, on the training and the held-out images.

    Parameters
    ----------
    history : dict of str to sequence of float
        ``train_loss``, ``held_out_loss``, ``train_accuracy`` and
        ``held_out_accuracy`` (fractions), one value per epoch.  Missing keys
        are skipped.
    title : str, optional

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> fig = training_curves({"train_loss": [1.0, 0.5], "held_out_accuracy": [0.8, 0.9]})
    >>> [ax.get_ylabel() for ax in fig.axes]
    ['loss (log scale)', 'accuracy (%)']
    """
    fig, (loss_ax, acc_ax) = plt.subplots(1, 2, figsize=(10, 3.4))
    for key, color, label in (("train", BLUE, "training"), ("held_out", ORANGE, "held out")):
        if f"{key}_loss" in history:
            values = history[f"{key}_loss"]
            loss_ax.plot(np.arange(1, len(values) + 1), values, "o-", color=color, label=label, ms=4)
        if f"{key}_accuracy" in history:
            values = 100 * np.asarray(history[f"{key}_accuracy"])
            acc_ax.plot(np.arange(1, len(values) + 1), values, "o-", color=color, label=label, ms=4)
    loss_ax.set_yscale("log")
    loss_ax.set_ylabel("loss (log scale)")
    acc_ax.set_ylabel("accuracy (%)")
    for ax in (loss_ax, acc_ax):
        ax.set_xlabel("epoch")
        ax.grid(alpha=0.3)
        ax.spines[["top", "right"]].set_visible(False)
        if ax.get_legend_handles_labels()[0]:
            ax.legend(frameon=False)
        ax.xaxis.get_major_locator().set_params(integer=True)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    plt.close(fig)
    return fig


def confusion_figure(counts, *, title=None):
    """A confusion matrix: how often each true class (row) was predicted as each class (column).

    Parameters
    ----------
    counts : array_like of int, shape (classes, classes)
        ``counts[true, predicted]``.
    title : str, optional

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> fig = confusion_figure(np.array([[5, 1], [0, 7]]))
    >>> sorted(t.get_text() for t in fig.axes[0].texts)
    ['1', '5', '7']
    """
    counts = np.asarray(counts)
    classes = len(counts)
    fig, ax = plt.subplots(figsize=(0.42 * classes + 1.6, 0.42 * classes + 1.2))
    wrong = np.where(np.eye(classes, dtype=bool), 0, counts)
    # Correct answers in a light grey, mistakes in vermillion: the eye goes to the mistakes.
    ax.imshow(np.zeros((classes, classes)), cmap="gray_r", vmin=0, vmax=1)
    for (t, p), n in np.ndenumerate(counts):
        if n == 0:
            continue
        if t == p:
            ax.add_patch(plt.Rectangle((p - 0.5, t - 0.5), 1, 1, color="#E3E3E3"))
            ax.text(p, t, str(n), ha="center", va="center", fontsize=8.5, color="black")
        else:
            ax.add_patch(plt.Rectangle((p - 0.5, t - 0.5), 1, 1, color=VERMILLION,
                                       alpha=0.35 + 0.65 * n / max(1, wrong.max())))
            ax.text(p, t, str(n), ha="center", va="center", fontsize=9, color="black", fontweight="bold")
    ax.set_xticks(range(classes))
    ax.set_yticks(range(classes))
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.tick_params(length=0, labelsize=9)
    ax.set_xticks(np.arange(classes + 1) - 0.5, minor=True)
    ax.set_yticks(np.arange(classes + 1) - 0.5, minor=True)
    ax.grid(which="minor", color=GREY, alpha=0.25)
    ax.tick_params(which="minor", length=0)
    if title:
        ax.set_title(title, fontsize=10)
    fig.tight_layout()
    plt.close(fig)
    return fig


def divergence_edge(rates, losses, limit):
    """The smallest rate from which every larger one diverged: its loss is not finite or above ``limit``.

    Parameters
    ----------
    rates : sequence of float
        Learning rates, increasing.
    losses : sequence of float
        The loss each reached (NaN or inf where it blew up).
    limit : float
        A loss above this counts as diverged (the loss before training, say).

    Returns
    -------
    float or None
        None when the largest rate did not diverge.

    Examples
    --------
    >>> divergence_edge([0.01, 0.1, 1, 10], [2.0, 0.5, 3.1, float("nan")], limit=2.3)
    1.0
    >>> divergence_edge([0.01, 0.1], [2.0, 0.5], limit=2.3) is None
    True
    """
    rates, losses = np.asarray(rates, dtype=float), np.asarray(losses, dtype=float)
    if len(rates) != len(losses) or len(rates) == 0 or np.any(np.diff(rates) <= 0):
        raise ValueError("rates must increase, with one loss each")
    diverged = ~np.isfinite(losses) | (losses > limit)
    if not diverged[-1]:
        return None
    last_good = np.flatnonzero(~diverged)
    first = 0 if len(last_good) == 0 else last_good[-1] + 1
    return rates[first].item()


def lr_sweep_figure(rates, losses, *, steps, start_loss, title=None):
    """The loss after ``steps`` steps against the learning rate, with the divergence edge marked.

    Parameters
    ----------
    rates : sequence of float
        The learning rates tried, increasing; drawn on a log scale.
    losses : sequence of float
        The loss each reached (NaN or inf where it blew up).
    steps : int
        How many steps each rate trained for (for the axis label).
    start_loss : float
        The loss before training: a rate that ends above it diverged, and is drawn as a cross at the top.
    title : str, optional

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> fig = lr_sweep_figure([0.01, 0.1, 1.0], [2.0, 0.4, float("inf")], steps=50, start_loss=2.3)
    >>> [line.get_label() for line in fig.axes[0].get_lines()][:2]
    ['loss before training', 'diverges from lr = 1']
    """
    rates, losses = np.asarray(rates, dtype=float), np.asarray(losses, dtype=float)
    edge = divergence_edge(rates, losses, start_loss)
    diverged = ~np.isfinite(losses) | (losses > start_loss)
    fig, ax = plt.subplots(figsize=(9, 3.6))
    top = 1.15 * start_loss
    ax.axhline(start_loss, color=GREY, linestyle="--", linewidth=1, label="loss before training")
    if edge is not None:
        ax.axvline(edge, color=VERMILLION, linewidth=1.5, label=f"diverges from lr = {edge:.2g}")
        ax.axvspan(edge, rates[-1] * 1.5, color=VERMILLION, alpha=0.08)
    ax.semilogx(rates[~diverged], losses[~diverged], "o-", color=BLUE, label=f"loss after {steps} steps")
    ax.semilogx(rates[diverged], np.full(int(diverged.sum()), top), "x", color=VERMILLION, ms=8,
                label="diverged (loss above the start, or not finite)")
    ax.set_ylim(0, top * 1.08)
    ax.set_xlim(rates[0] / 1.5, rates[-1] * 1.5)
    ax.set_xlabel("learning rate (log scale)")
    ax.set_ylabel(f"training loss after {steps} steps")
    ax.grid(alpha=0.3, which="both")
    ax.spines[["top", "right"]].set_visible(False)
    ax.legend(frameon=False, fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1))
    if title:
        ax.set_title(title, fontsize=10)
    fig.tight_layout()
    plt.close(fig)
    return fig


def layer_histograms(before, after, *, labels=("at initialisation", "after training"), bins=40):
    """Histograms of each layer's activations and gradients, before and after training, overlaid.

    Parameters
    ----------
    before, after : dict of str to dict of str to array_like
        ``{layer: {"activations": values, "gradients": values}}``, the same layers and keys in both;
        one column per layer, one row per key.
    labels : pair of str, optional
        What ``before`` and ``after`` are.
    bins : int, optional
        Bins per panel, shared by the two histograms in it.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> stats = {"conv 1": {"activations": rng.normal(size=50), "gradients": rng.normal(size=50)}}
    >>> fig = layer_histograms(stats, stats)
    >>> [ax.get_title() for ax in fig.axes]
    ['conv 1: activations', 'conv 1: gradients']
    """
    layers = list(before)
    if list(after) != layers or any(list(before[name]) != list(after[name]) for name in layers):
        raise ValueError("before and after must have the same layers and keys")
    kinds = list(before[layers[0]])
    fig, axes = plt.subplots(len(kinds), len(layers), figsize=(3.1 * len(layers), 2.4 * len(kinds)), squeeze=False)
    for col, name in enumerate(layers):
        for row, kind in enumerate(kinds):
            ax = axes[row, col]
            first, second = (np.asarray(d[name][kind], dtype=float).ravel() for d in (before, after))
            both = np.concatenate([first, second])
            edges = np.histogram_bin_edges(both[np.isfinite(both)], bins=bins)
            for values, color, label in ((first, BLUE, labels[0]), (second, ORANGE, labels[1])):
                ax.hist(values, bins=edges, color=color, alpha=0.55, label=label)
            ax.set_yscale("log")
            ax.yaxis.set_minor_locator(NullLocator())  # decades are enough; their labels nearly doubled the time
            ax.set_title(f"{name}: {kind}", fontsize=9)
            ax.tick_params(labelsize=7)
            ax.spines[["top", "right"]].set_visible(False)
    axes[0, 0].legend(frameon=False, fontsize=7)
    fig.supylabel("count (log scale)", fontsize=9)
    fig.tight_layout()
    plt.close(fig)
    return fig


def _short(value):
    """A kernel weight in at most four characters: 1, -0.5, 0.33, 2.1."""
    if abs(value - round(value)) < 5e-3:
        return str(int(round(value))) if round(value) != 0 else "0"
    text = f"{value:.2f}" if abs(value) < 1 else f"{value:.1f}"
    return text.replace("0.", ".", 1) if abs(value) < 1 and len(text) > 4 else text
