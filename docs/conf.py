"""Sphinx configuration of the course website: ``make site`` builds it into build/site/html.

The source folder is the repository itself, so the README's links to
``notebooks/...`` and ``exercises/...`` are links between pages, exactly as on
GitHub.  The site holds the README (its start page), every lesson (run while
the site is built, so animations and widgets have their outputs) and every
exercise notebook (shown as the learner gets it, made from its solutions
notebook, not run: what a learner saves in ``exercises/`` is never published).
The solutions are linked on GitHub, not published as pages: see CONTRIBUTING.md.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent / "_ext"))

REPOSITORY = "https://github.com/convlab/convlab"
BRANCH = "HEAD"  # the same as the README's Binder badge

project = "convlab"
author = "the convlab authors"
copyright = "the convlab authors. Code: MIT; lessons and figures: CC BY 4.0"

extensions = ["myst_nb", "sphinx.ext.githubpages", "convlab_site"]
root_doc = "README"
include_patterns = ["README.md", "notebooks/*.ipynb", "exercises/*.ipynb"]
html_baseurl = "https://convlab.github.io/convlab/"

# -- notebooks: lessons run while the site is built, exercises are shown as they are
nb_execution_mode = "force"
nb_execution_excludepatterns = ["exercises/*"]
nb_execution_timeout = 300  # seconds per cell
nb_execution_raise_on_error = True  # a lesson that fails stops the build
nb_execution_show_tb = True
nb_merge_streams = True
nb_ipywidgets_js = {}  # widgets become a still (convlab_site.py), no scripts from a CDN
# Output types: MyST-NB shows text, HTML, images and Markdown; convlab_site.py turns widget
# views into stills; the one type of the course's own, a check's record for the grader
# (application/vnd.convlab.check+json, beside the check's HTML), is dropped by the kernels that
# run the lessons (site_kernel.py). Any other type fails the build, to be decided on here.
myst_enable_extensions = ["dollarmath"]
myst_heading_anchors = 3  # links to a heading (page.ipynb#a-heading) work as on GitHub
html_math_renderer = "mathml"  # convlab_site.py: no MathJax from a CDN

# -- the pages
html_theme = "sphinx_book_theme"
html_title = "convlab"
html_static_path = ["_static"]
html_favicon = "_static/favicon.svg"
# the course's pictures are drawn on white; the reader can still switch to dark
html_context = {"default_mode": "light"}
html_last_updated_fmt = None
# search ranks a lesson before the pages that only practise or mention what it teaches
html_search_scorer = str(Path(__file__).resolve().parent / "search_scorer.js")
html_theme_options = {
    "repository_url": REPOSITORY,
    "repository_branch": BRANCH,
    "use_repository_button": True,
    "use_download_button": True,
    "launch_buttons": {"binderhub_url": "https://mybinder.org", "notebook_interface": "jupyterlab"},
    "show_toc_level": 2,
    "navbar_persistent": [],  # search is in the sidebar already
}

# convlab_site.py
convlab_repository = REPOSITORY
convlab_branch = BRANCH
convlab_binder = f"https://mybinder.org/v2/gh/convlab/convlab/{BRANCH}"
