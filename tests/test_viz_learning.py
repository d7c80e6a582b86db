"""convlab.viz.learning: each picture shows the numbers it is given, and nothing else."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from convlab import viz  # noqa: E402


def image_axes(fig):
    return [ax for ax in fig.axes if ax.images]


def test_image_grid_draws_each_image_on_one_shared_scale():
    images = np.arange(5 * 3 * 3, dtype=float).reshape(5, 3, 3) - 20
    open_before = set(plt.get_fignums())
    fig = viz.image_grid(images, [f"k{i}" for i in range(5)], ncols=3, signed=True, annotate=True,
                         colorbar=True, row_labels=["first", "second"], title="kernels")
    axes = image_axes(fig)
    assert len(axes) == 5
    for ax, image in zip(axes, images):
        np.testing.assert_array_equal(ax.images[0].get_array(), image)
        norm = ax.images[0].norm
        assert (norm.vmin, norm.vmax) == (-24.0, 24.0)  # symmetric about 0: white means zero
        assert len(ax.texts) == 9
    assert [ax.get_title() for ax in axes] == ["k0", "k1", "k2", "k3", "k4"]
    assert axes[0].get_ylabel() == "first" and axes[3].get_ylabel() == "second"
    assert [ax.texts[4].get_text() for ax in axes] == [str(int(v)) for v in images[:, 1, 1]]
    assert "kernels" in [t.get_text() for t in fig.texts]
    assert set(plt.get_fignums()) == open_before, "the figure is closed: a notebook shows it once"


def test_image_grid_unsigned_images_use_their_range():
    fig = viz.image_grid(np.array([[[0, 16]], [[4, 8]]]))
    assert all((ax.images[0].norm.vmin, ax.images[0].norm.vmax) == (0, 16) for ax in image_axes(fig))


def test_image_grid_rejects_a_single_image():
    with pytest.raises(ValueError, match=r"images must have shape \(n, H, W\), got shape \(3, 3\)"):
        viz.image_grid(np.ones((3, 3)))


def test_feature_maps_one_panel_per_channel_and_the_probabilities():
    stages = [("input", np.ones((8, 8))), ("conv", np.random.default_rng(0).random((20, 4, 4))),
              ("signed", -np.ones((3, 2, 2)))]
    p = np.array([0.1, 0.7, 0.2])
    fig = viz.feature_maps(stages, p, per_row=16)
    axes = image_axes(fig)
    assert len(axes) == 1 + 20 + 3
    np.testing.assert_array_equal(axes[5].images[0].get_array(), stages[1][1][4])
    titles = [ax.get_title(loc="left") for ax in fig.axes if ax.get_title(loc="left")]
    assert titles == ["input  (1 map, 8×8)", "conv  (20 maps, 4×4)", "signed  (3 maps, 2×2)",
                      "output: probability of each class"]
    bars = [patch.get_height() for patch in fig.axes[-1].patches]
    np.testing.assert_allclose(bars, p)


def test_training_curves_plot_the_history():
    history = {"train_loss": [1.0, 0.5, 0.25], "held_out_loss": [0.9, 0.6, 0.4],
               "train_accuracy": [0.5, 0.8, 0.9], "held_out_accuracy": [0.6, 0.7, 0.85]}
    fig = viz.training_curves(history)
    loss_ax, acc_ax = fig.axes
    np.testing.assert_allclose(loss_ax.lines[0].get_ydata(), history["train_loss"])
    np.testing.assert_allclose(acc_ax.lines[1].get_ydata(), [60, 70, 85])
    np.testing.assert_array_equal(acc_ax.lines[1].get_xdata(), [1, 2, 3])


def test_confusion_figure_writes_every_nonzero_count_where_it_belongs():
    counts = np.array([[5, 0, 1], [0, 7, 0], [2, 0, 3]])
    fig = viz.confusion_figure(counts)
    ax = fig.axes[0]
    written = {(round(t.get_position()[1]), round(t.get_position()[0])): int(t.get_text()) for t in ax.texts}
    assert written == {(0, 0): 5, (0, 2): 1, (1, 1): 7, (2, 0): 2, (2, 2): 3}
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("predicted", "true")


def test_divergence_edge_is_where_every_larger_rate_diverged():
    rates = [1e-3, 1e-2, 1e-1, 1.0, 10.0]
    assert viz.divergence_edge(rates, [2.2, 1.0, 2.5, 0.9, np.nan], limit=2.3) == 10.0  # 0.1 blew up, 1.0 did not
    assert viz.divergence_edge(rates, [2.2, 1.0, 0.5, np.inf, 9.0], limit=2.3) == 1.0
    assert viz.divergence_edge(rates, [2.2, 1.0, 0.5, 0.4, 0.3], limit=2.3) is None
    assert viz.divergence_edge(rates, [np.nan] * 5, limit=2.3) == 1e-3
    with pytest.raises(ValueError, match="increase"):
        viz.divergence_edge([1.0, 0.1], [1.0, 2.0], limit=2.3)


def test_lr_sweep_figure_marks_what_diverged_and_the_edge():
    rates, losses = np.array([1e-3, 1e-2, 1e-1, 1.0]), np.array([2.2, 0.8, np.nan, 7.0])
    ax = viz.lr_sweep_figure(rates, losses, steps=60, start_loss=2.3).axes[0]
    lines = {line.get_label(): line for line in ax.get_lines()}
    np.testing.assert_array_equal(lines["loss after 60 steps"].get_xdata(), [1e-3, 1e-2])
    np.testing.assert_array_equal(lines["loss after 60 steps"].get_ydata(), [2.2, 0.8])
    crosses = lines["diverged (loss above the start, or not finite)"]
    np.testing.assert_array_equal(crosses.get_xdata(), [1e-1, 1.0])
    assert np.all(crosses.get_ydata() > 2.3)
    assert lines["diverges from lr = 0.1"].get_xdata()[0] == 0.1
    assert lines["loss before training"].get_ydata()[0] == 2.3
    assert ax.get_ylabel() == "training loss after 60 steps"


def test_layer_histograms_count_every_value_of_every_layer():
    rng = np.random.default_rng(0)
    before = {name: {"outputs": rng.normal(size=300), "weight gradients": rng.normal(size=50)} for name in ("a", "b")}
    after = {name: {kind: 3 * values for kind, values in kinds.items()} for name, kinds in before.items()}
    fig = viz.layer_histograms(before, after)
    assert [ax.get_title() for ax in fig.axes] == ["a: outputs", "b: outputs", "a: weight gradients",
                                                    "b: weight gradients"]
    for ax, (name, kind) in zip(fig.axes, [("a", "outputs"), ("b", "outputs"), ("a", "weight gradients"),
                                           ("b", "weight gradients")]):
        first, second = ax.containers  # one histogram before, one after, on the same bins
        assert sum(bar.get_height() for bar in first) == len(before[name][kind])
        assert sum(bar.get_height() for bar in second) == len(after[name][kind])
    assert [t.get_text() for t in fig.axes[0].get_legend().get_texts()] == ["at initialisation", "after training"]
    with pytest.raises(ValueError, match="same layers"):
        viz.layer_histograms(before, {"a": after["a"]})
