"""What the course website needs beyond Sphinx and MyST-NB.

Everything here is keyed on the kind of thing a page holds, never on a
particular lesson, so a new ``notebooks/NN_topic.ipynb`` gets the same
treatment without a change in this file:

- the start page (the README) gets a hidden table of contents of every lesson
  and every exercise notebook, so the sidebar lists them in file-name order;
- every notebook page gets a "Launch on Binder" link that opens that notebook
  in JupyterLab, and links between a lesson (by its title) and its exercises;
- an exercise page is made from its solutions notebook, as ``make exercises``
  makes the exercise, never from the file in ``exercises/``: what a learner
  saves there (answers, outputs, copies of a notebook) is never published and
  cannot break the build;
- links to files of the repository that are not pages of the site
  (``solutions/``, ``CONTRIBUTING.md``, ``benchmarks/...``) go to GitHub;
  remote images (the README's badge) become their alt text, so nothing is
  fetched from elsewhere when a page is read;
- an ipywidgets output, which cannot run without a kernel, becomes a note that
  says so and a still of the widget built from the widget state the executed
  notebook stored: its pictures (``Image`` widgets, or images in ``Output``
  widgets), its HTML and its settings;
- every picture has alt text: the cell's own ``mystnb.image.alt`` metadata
  when it has one, else the figure's description (``site_kernel.py`` gives
  every matplotlib figure one while the lessons run), else a sentence naming
  the code that drew it; an animation player without one gets one too, and
  loses any link to a remote icon font;
- math is written as MathML (from docutils' LaTeX converter): browsers show it
  natively, screen readers read it, and no script is loaded from a CDN;
- ``index.html`` is the start page, for GitHub Pages.
"""

from __future__ import annotations

import fnmatch
import hashlib
import html
import json
import os
import posixpath
import re
import shutil
from base64 import b64decode
from pathlib import Path

from docutils import nodes
from sphinx import addnodes
from sphinx.util import logging

logger = logging.getLogger(__name__)

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
SOURCE_SUFFIXES = (".md", ".ipynb", ".rst")
# A text/plain that is only Python's default repr says nothing about a picture.
_DEFAULT_REPR = re.compile(r"^<.*>$", re.S)


def setup(app):
    app.add_config_value("convlab_repository", "https://github.com/convlab/convlab", "env")
    app.add_config_value("convlab_branch", "HEAD", "env")
    app.add_config_value("convlab_binder", "https://mybinder.org/v2/gh/convlab/convlab/HEAD", "env")
    # (caption, glob relative to the start page), one hidden toctree each
    app.add_config_value("convlab_toctrees", [("Lessons", "notebooks/*"), ("Exercises", "exercises/*")], "env")
    # (exercises folder, solutions folder): each exercise page is made from its solutions notebook
    app.add_config_value("convlab_exercises", ("exercises", "solutions"), "env")
    app.connect("config-inited", _kernel_startup)
    app.connect("config-inited", _exercises_from_solutions)
    app.connect("source-read", _add_toctrees)
    app.connect("source-read", _exercise_source)
    # before Sphinx's own collectors (priority 500) see the images
    app.connect("doctree-read", _process_page, priority=400)
    app.connect("build-finished", _write_index)
    app.add_html_math_renderer("mathml", (_visit_math, None), (_visit_displaymath, None))
    app.add_css_file("convlab.css")
    return {"parallel_read_safe": True, "parallel_write_safe": True}


# -- the kernels that run the lessons -----------------------------------------


# The kernels' own log: quiet but for errors. They run the repository's lessons over
# loopback TCP, which ipykernel warns about once per kernel (the warning suggests IPC or
# CurveZMQ keys, which MyST-NB has no option to ask its kernel manager for).
KERNEL_CONFIG = {"IPKernelApp": {"log_level": "ERROR"}}


def _kernel_startup(app, config):
    """Kernels started by MyST-NB inherit the environment: IPython runs PYTHONSTARTUP, and
    reads its configuration from IPYTHONDIR, a folder of the build (not the user's ~/.ipython:
    the lessons run the same for everyone)."""
    os.environ["PYTHONSTARTUP"] = str(Path(__file__).with_name("site_kernel.py"))
    profile = Path(app.doctreedir).parent / "ipython" / "profile_default"
    profile.mkdir(parents=True, exist_ok=True)
    (profile / "ipython_kernel_config.json").write_text(json.dumps(KERNEL_CONFIG, indent=1))
    os.environ["IPYTHONDIR"] = str(profile.parent)


# -- exercise pages ----------------------------------------------------------------

# The cell the exercise generator puts first, saying where the file comes from and not to
# edit it: a note for the file (and its maintainers), not for a reader of the page.
GENERATED_NOTE_ID = "generated-from-solutions"


def _exercises_from_solutions(app, config):
    """Only exercises with a solutions notebook are pages: a learner's copy or new notebook is not."""
    exercises, solutions = config.convlab_exercises
    srcdir = Path(app.srcdir)
    for path in sorted(srcdir.glob(f"{exercises}/*.ipynb")):
        if not (srcdir / solutions / path.name).is_file():
            config.exclude_patterns.append(f"{exercises}/{path.name}")


def _exercise_source(app, docname, source):
    """An exercise page's notebook: made from its solutions notebook, as `make exercises` makes it."""
    exercises, solutions = app.config.convlab_exercises
    folder, name = posixpath.split(docname)
    solution = Path(app.srcdir, solutions, name + ".ipynb")
    if folder != exercises or not solution.is_file():
        return
    import nbformat

    from convlab.jupyter.generator import make_exercise

    nb = make_exercise(nbformat.read(solution, as_version=4), solution.name)
    nb.cells = [cell for cell in nb.cells if cell.get("id") != GENERATED_NOTE_ID]
    source[0] = nbformat.writes(nb)


# -- the table of contents ------------------------------------------------------


def _add_toctrees(app, docname, source):
    if docname != app.config.root_doc:
        return
    for caption, pattern in app.config.convlab_toctrees:
        if not fnmatch.filter(app.env.found_docs, pattern):
            continue
        source[0] += f"\n\n```{{toctree}}\n:hidden:\n:glob:\n:caption: {caption}\n\n{pattern}\n```\n"


# -- every page ------------------------------------------------------------------


def _process_page(app, doctree):
    env = app.env
    docname = env.docname
    _link_repository_files(app, doctree, docname)
    _remote_images_to_text(doctree)
    if env.doc2path(docname).suffix != ".ipynb":
        return
    state = _pop_widget_state(env, docname)
    for cell in list(doctree.findall(_is_code_cell)):
        for bundle in list(cell.findall(_is_mime_bundle)):
            mimes = [c["mime_type"] for c in bundle.children]
            if WIDGET_VIEW in mimes:
                _widget_still(app, docname, bundle, state)
            else:
                _alt_text(cell, bundle)
    _launch_links(app, doctree, docname)


def _is_code_cell(node):
    return isinstance(node, nodes.container) and node.get("nb_element") == "cell_code"


def _is_mime_bundle(node):
    return isinstance(node, nodes.container) and node.get("nb_element") == "mime_bundle"


def _github_url(app, path, directory=False):
    kind = "tree" if directory else "blob"
    return f"{app.config.convlab_repository}/{kind}/{app.config.convlab_branch}/{path}"


def _repository_path(docname, target):
    """The path in the repository, and the anchor, a link from ``docname`` points to."""
    target, _, anchor = target.partition("#")
    if not target or re.match(r"^[a-z][a-z0-9+.-]*:", target):
        return None, None
    # MyST reads a leading "/" as the top of the project: here, the repository
    base = "" if target.startswith("/") else posixpath.dirname(docname)
    path = posixpath.normpath(posixpath.join(base, target.lstrip("/")))
    if path.startswith(".."):
        return None, None
    return path, anchor


def _link_repository_files(app, doctree, docname):
    """Links to files and folders of the repository that the site does not hold go to GitHub."""
    srcdir = Path(app.srcdir)
    for node in list(doctree.findall(addnodes.pending_xref)) + list(doctree.findall(addnodes.download_reference)):
        if node.get("reftype") != "myst":
            continue
        path = None
        if isinstance(node, addnodes.pending_xref) and node.get("refdomain") == "doc":
            if node["reftarget"] in app.env.found_docs:
                continue
            # a Markdown or notebook file outside the site: find which
            for suffix in SOURCE_SUFFIXES:
                if (srcdir / (node["reftarget"] + suffix)).is_file():
                    path, anchor = node["reftarget"] + suffix, node.get("reftargetid")
                    break
        else:  # a path relative to the page: a folder, or a file that is not a page
            path, anchor = _repository_path(docname, node["reftarget"])
        if path is None or not (srcdir / path).exists():
            continue  # not a repository file: left to Sphinx, which warns if it is broken
        url = _github_url(app, path, (srcdir / path).is_dir())
        if anchor:
            url += "#" + anchor
        link = nodes.reference("", "", *node.children, refuri=url, internal=False)
        node.replace_self(link)


def _remote_images_to_text(doctree):
    """A page must not fetch anything from elsewhere: a remote image shows as its alt text."""
    for image in list(doctree.findall(nodes.image)):
        if re.match(r"^https?://", image.get("uri", "")):
            text = image.get("alt") or image["uri"]
            inline = nodes.inline(text, text, classes=["remote-image"])
            in_text = isinstance(image.parent, nodes.TextElement)
            image.replace_self(inline if in_text else nodes.paragraph("", "", inline))


# -- pictures, animations and widgets in cell outputs ---------------------------------


def _cell_source(cell):
    for block in cell.findall(nodes.literal_block):
        return block.astext()
    return ""


def _last_code_line(cell):
    lines = [ln.strip() for ln in _cell_source(cell).splitlines() if ln.strip() and not ln.strip().startswith("#")]
    return lines[-1] if lines else ""


def _alt_text(cell, bundle):
    by_mime = {c["mime_type"]: c for c in bundle.children}
    plain = by_mime.get("text/plain")
    description = plain.astext().strip() if plain is not None else ""
    if _DEFAULT_REPR.match(description):
        description = ""
    line = _last_code_line(cell)
    for mime, container in by_mime.items():
        if mime.startswith("image/"):
            for image in container.findall(nodes.image):
                if not image.get("alt"):
                    image["alt"] = description or f"Picture drawn by the code above ({line})."
        elif mime == "text/html":
            for raw in container.findall(nodes.raw):
                if "_anim_img" in raw.astext():
                    text = _animation_html(raw.astext(), line)
                    raw.replace_self(nodes.raw(text, text, format="html", classes=raw["classes"]))


def _animation_html(text, line):
    """matplotlib's animation player, without a remote icon font and with alt text.

    ``convlab.viz.play`` makes players that already have both; one made
    otherwise (``anim.to_jshtml()``) links Font Awesome from a CDN and has none.
    """
    text = re.sub(r"<link[^>]*font-awesome[^>]*>", "", text)
    alt = html.escape(
        f"Animation drawn by the code above ({line}); the buttons below it play it or step through its frames.",
        quote=True,
    )
    return re.sub(r'<img id="(_anim_img[^"]*)"(?![^>]*\balt=)', rf'<img id="\1" alt="{alt}"', text)


def _pop_widget_state(env, docname):
    """The widget state MyST-NB stored for ``docname``; it is not written into the page.

    The page gets a still instead, so neither the state (with every picture
    the widget ever showed) nor the widget scripts from a CDN are needed.
    """
    js_files = getattr(env, "nb_metadata", {}).get(docname, {}).get("js_files", {})
    state = {}
    for key in [k for k in js_files if k.startswith("ipywidgets")]:
        uri, kwargs = js_files.pop(key)
        if key == "ipywidgets_state":
            state = json.loads(kwargs["body"].replace("<\\/script>", "</script>")).get("state", {})
    return state


def _widget_parts(state, model_id, parts):
    """Walk a widget and its children in display order, collecting what a still can show."""
    model = state.get(model_id)
    if model is None:
        return parts
    name, values = model.get("model_name", ""), model.get("state", {})
    buffers = {tuple(b["path"]): b for b in model.get("buffers", [])}
    if name == "ImageModel" and ("value",) in buffers:
        # shown at the width the widget gives it (its picture may be drawn sharper than that)
        layout = state.get(str(values.get("layout", "")).removeprefix("IPY_MODEL_"), {}).get("state", {})
        width = layout.get("width") if re.fullmatch(r"\d+(\.\d+)?px", str(layout.get("width"))) else None
        parts.append(("image", values.get("format", "png"), b64decode(buffers[("value",)]["data"]), width))
    elif name in ("HTMLModel", "HTMLMathModel") and values.get("value"):
        parts.append(("html", values["value"]))
    elif name == "LabelModel" and values.get("value"):
        parts.append(("setting", "", values["value"]))
    elif name == "OutputModel":
        for output in values.get("outputs", []):
            for mime in ("image/png", "image/jpeg"):
                if mime in output.get("data", {}):
                    parts.append(("image", mime.split("/")[1], b64decode(output["data"][mime]), None))
                    break
            else:
                data = output.get("data", {})
                if "text/html" in data:
                    parts.append(("html", data["text/html"]))
                elif output.get("output_type") == "stream" or "text/plain" in data:
                    text = output.get("text") or data.get("text/plain", "")
                    parts.append(("html", f"<pre>{html.escape(text)}</pre>"))
    elif name != "PlayModel" and "_options_labels" in values and values.get("index") is not None:
        parts.append(("setting", values.get("description", ""), values["_options_labels"][values["index"]]))
    elif name != "PlayModel" and "value" in values and not isinstance(values["value"], (dict, list)):
        parts.append(("setting", values.get("description", ""), values["value"]))
    for child in values.get("children", []):
        _widget_parts(state, str(child).removeprefix("IPY_MODEL_"), parts)
    return parts


def _binder_url(app, docname):
    return f"{app.config.convlab_binder}?urlpath=lab/tree/{docname}.ipynb"


def _write_output_file(app, data, suffix):
    """Write ``data`` where MyST-NB writes a notebook's pictures; return the URI for an image node."""
    folder = Path(app.env.mystnb_config.output_folder)
    path = folder / (hashlib.sha256(data).hexdigest() + suffix)
    folder.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        path.write_bytes(data)
    return "/" + os.path.relpath(path, app.srcdir).replace(os.sep, "/")


def _widget_still(app, docname, bundle, state):
    """Replace an ipywidgets output by a note saying it needs a kernel, and a still of it."""
    view = next(c for c in bundle.children if c["mime_type"] == WIDGET_VIEW)
    raw = next(view.findall(nodes.raw), None)
    model_id = None
    if raw is not None:
        match = re.search(r'"model_id":\s*"([^"]+)"', raw.astext())
        model_id = match and match[1]
    parts = _widget_parts(state, model_id, []) if model_id else []
    settings = [f"{d} {v}" if d else str(v) for kind, d, v in (p for p in parts if p[0] == "setting")]

    note = nodes.admonition(classes=["note", "widget-still"])
    note += nodes.title("", "Interactive widget")
    para = nodes.paragraph()
    para += nodes.Text(
        "In the notebook, this cell shows controls you can drag and click. They need a running "
        "Python kernel, which a web page does not have, so here is a still of the widget"
        + (f" with its starting settings ({', '.join(settings)})." if settings else ".")
        + " To use it, "
    )
    para += nodes.reference("", "launch this lesson on Binder", refuri=_binder_url(app, docname))
    para += nodes.Text(" or run it on your computer with ")
    para += nodes.literal("", "make lab")
    para += nodes.Text(".")
    note += para
    still = nodes.container(classes=["widget-still-body"])
    for part in parts:
        if part[0] == "image":
            _, fmt, data, width = part
            alt = "Still of the widget's picture" + (f" at {', '.join(settings)}." if settings else ".")
            image = nodes.image(uri=_write_output_file(app, data, "." + fmt.replace("jpeg", "jpg")), alt=alt)
            if width:
                image["width"] = width
            still += image
        elif part[0] == "html":
            still += nodes.raw(part[1], part[1], format="html")
    bundle.replace_self([note, still] if still.children else [note])


# -- links on notebook pages -------------------------------------------------------------


def _doc_link(target, text=None):
    """A link to the page ``target``, shown as ``text``, or as the page's title when None."""
    ref = addnodes.pending_xref("", refdomain="std", reftype="doc", reftarget="/" + target,
                                refexplicit=text is not None)
    ref += nodes.inline(text or target, text or target)
    return ref


def _launch_links(app, doctree, docname):
    """A line under the title: Launch on Binder, and the lesson's exercises (or the reverse)."""
    folder, name = posixpath.split(docname)
    para = nodes.paragraph(classes=["launch-links"])
    launch = nodes.reference("", "", refuri=_binder_url(app, docname), classes=["launch-binder"])
    launch += nodes.Text("Launch on Binder")
    para += launch
    what = "lesson" if folder == "notebooks" else "notebook"
    para += nodes.Text(f" opens this {what} in JupyterLab in your browser, nothing to install (or run ")
    para += nodes.literal("", "make lab")
    para += nodes.Text(" on your computer).")
    if folder == "notebooks" and f"exercises/{name}" in app.env.found_docs:
        para += nodes.Text(" Practise: ")
        para += _doc_link(f"exercises/{name}", "the exercises")
        para += nodes.Text(".")
    elif folder == "exercises":
        if f"notebooks/{name}" in app.env.found_docs:
            para += nodes.Text(" The lesson: ")
            para += _doc_link(f"notebooks/{name}")  # shown by its title
            para += nodes.Text(".")
        solution = Path(app.srcdir, "solutions", name + ".ipynb")
        if solution.is_file():
            para += nodes.Text(" Worked solutions: ")
            para += nodes.reference("", f"solutions/{name}.ipynb", refuri=_github_url(app, f"solutions/{name}.ipynb"))
            para += nodes.Text(" on GitHub (try first: the checks tell you what is wrong).")
    section = next(doctree.findall(nodes.section), None)
    if section is not None and section.children and isinstance(section[0], nodes.title):
        section.insert(1, para)
    else:
        doctree.insert(0, para)


# -- math as MathML ----------------------------------------------------------------------

# Sizing commands change only how tall a bracket is drawn; docutils does not know them all.
_SIZING = re.compile(r"\\[Bb]igg?[lrm]?(?![A-Za-z])")


def _mathml(latex, block):
    from docutils.utils.math import latex2mathml

    try:
        return latex2mathml.tex2mathml(_SIZING.sub("", latex), as_block=block)
    except Exception as exc:  # an unknown command: show the LaTeX, and say so
        logger.warning(f"math not converted to MathML ({exc}): {latex}", type="convlab", subtype="math")
        return f'<code class="math-source">{html.escape(latex)}</code>'


def _visit_math(self, node):
    self.body.append(_mathml(node.astext(), block=False))
    raise nodes.SkipNode


def _visit_displaymath(self, node):
    self.body.append(f'<div class="math-block">{_mathml(node.astext(), block=True)}</div>\n')
    raise nodes.SkipNode


# -- the start page -------------------------------------------------------------------------


def _write_index(app, exception):
    """GitHub Pages opens index.html: make it the start page (the README), same folder, same links."""
    if exception is not None or app.builder.format != "html":
        return
    start = Path(app.outdir, app.config.root_doc + ".html")
    if start.is_file() and start.name != "index.html":
        shutil.copyfile(start, Path(app.outdir, "index.html"))
