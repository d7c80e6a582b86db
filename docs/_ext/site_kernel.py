"""Run in every kernel that executes a lesson for the website (via PYTHONSTARTUP).

It gives each matplotlib figure a plain-text description as its ``text/plain``
representation (what IPython shows as text), built from what the figure itself
says: its title, the titles of its panels, the text written on the figure, the
axis labels and the names in its legends.  The website uses it as the picture's alt text (see
``convlab_site.py``), so a reader who cannot see the picture gets the same
words a sighted reader sees on it.

It also drops, from what the cells display, the output types the website has
no use for: a check's record, data for the grader that sits
beside the check's HTML.  Nothing else in the kernel changes, and names
defined here are removed so the lesson's namespace stays clean.
"""


def _convlab_site_setup():
    from IPython import get_ipython

    if get_ipython() is None:
        return

    def clean(text):
        return " ".join(str(text).replace("$", "").split())

    def describe(fig):
        axes = [ax for ax in fig.axes if ax.get_visible() and ax.get_label() != "<colorbar>"]
        parts = []
        suptitle = getattr(fig, "_suptitle", None)
        if suptitle is not None and suptitle.get_text().strip():
            parts.append(clean(suptitle.get_text()) + ".")
        titles = [clean(ax.get_title()) for ax in axes if ax.get_title().strip()]
        if len(axes) > 1:
            parts.append(f"{len(axes)} panels" + (": " + "; ".join(titles) + "." if titles else "."))
        elif titles:
            parts.append(titles[0] + ".")
        texts = [clean(t.get_text()) for t in fig.texts if t.get_visible() and t.get_text().strip()]
        texts = [t for t in texts if suptitle is None or t != clean(suptitle.get_text())]
        if texts:
            parts.append(" ".join(t if t.endswith(".") else t + "." for t in texts))
        for ax in axes:
            labels = []
            for name, axis in (("horizontal", ax.xaxis), ("vertical", ax.yaxis)):
                label = clean(axis.get_label_text())
                if label:
                    scale = ", logarithmic" if axis.get_scale() == "log" else ""
                    labels.append(f"{name} axis: {label}{scale}")
            if labels:
                sentence = "; ".join(labels)
                parts.append(sentence[0].upper() + sentence[1:] + ".")
            legend = ax.get_legend()
            if legend is not None:
                names = [clean(t.get_text()) for t in legend.get_texts() if t.get_text().strip()]
                if names:
                    parts.append("Legend: " + ", ".join(names) + ".")
        if not parts:
            return repr(fig)
        return "Figure: " + " ".join(parts)

    # A method, not a printer registered with IPython's formatter: matplotlib's inline
    # backend removes every registered Figure printer when it starts.
    from matplotlib.figure import Figure

    Figure._repr_pretty_ = lambda fig, p, cycle: p.text(describe(fig))

    # Output types the website drops on purpose (see docs/conf.py).
    dropped = ("application/vnd.convlab.check+json",)

    def drop(message):  # ipykernel's hook on every display message the kernel sends
        data = message.get("content", {}).get("data", {})
        for mime in dropped:
            data.pop(mime, None)
        return message

    get_ipython().display_pub.register_hook(drop)


try:
    _convlab_site_setup()
finally:
    del _convlab_site_setup
