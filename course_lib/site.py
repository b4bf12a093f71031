"""The course site under ``build/``: home page, results page and navigation around the notebook pages.

``course run`` calls :func:`render_notebook` for each executed notebook and :func:`write_site`
after every notebook, so the site is always complete for what has run so far:

- ``index.html``: one section per unit of the manifest (title, summary, topics), each notebook with
  its title, learning goals, run status, key metrics, data source, runtime, rendered page and Colab
  link, and the unit's exercises;
- ``results.html``: the summary plotted (runtime per notebook, accuracy metrics) and tabulated;
- ``html/<unit>/<notebook>.html``: nbconvert's page with a navigation bar (previous / next / unit /
  home) and, when the notebook failed, a banner linking to the cell that raised;
- ``assets/``: the style sheet and a MathJax 2 copy taken from the ``jupyter-server-mathjax``
  package, so formulas are typeset offline.

Nothing here imports TensorFlow; matplotlib and nbconvert are imported only when a page is drawn.

>>> page_path("notebooks/u1_basics/02_mlp_xor.ipynb")
PurePosixPath('html/u1_basics/02_mlp_xor.html')
>>> learning_goals({"cells": [{"cell_type": "markdown", "source": "# T\\n\\n**Learning goals**\\n- one;\\n- two\\n  lines.\\n"}]})
['one;', 'two lines.']
"""

from __future__ import annotations

import copy
import html
import io
import os
import pathlib
import re
import shutil
import tempfile

from . import manifest
from ._files import atomic_write, cell_source, notebook_cells, read_notebook

ASSETS = "assets"
MATHJAX_DIST = "jupyter-server-mathjax"
MATHJAX_STATIC = "jupyter_server_mathjax/static"
# The one combined configuration the package ships: TeX input, HTML-CSS output with the STIX-Web fonts.
MATHJAX_QUERY = "?config=TeX-AMS-MML_HTMLorMML-full,Safe"
# What the MathJax copy leaves out: other output processors, other languages, the accessibility maps.
MATHJAX_SKIP = ("jax/output/SVG", "localization", "extensions/a11y")
CDN_MATHJAX = "https://cdnjs.cloudflare.com/ajax/libs/mathjax/2.7.7/MathJax.js" + MATHJAX_QUERY
NAV_START, NAV_END = "<!-- course-nav:start -->", "<!-- course-nav:end -->"
ERROR_ANCHOR = "first-error"
STYLE_FILE = pathlib.Path(__file__).with_name("site_assets") / "site.css"
# Set before MathJax.js loads, this is its configuration: web fonts only (a reader's locally
# installed fonts never change the look), from the copy beside the page.
MATHJAX_PRELUDE = ("<script>window.MathJax = {\"HTML-CSS\": {availableFonts: [], preferredFont: null, "
                   "webFont: \"STIX-Web\", imageFont: null}, messageStyle: \"none\", "
                   "tex2jax: {inlineMath: [[\"$\", \"$\"], [\"\\\\(\", \"\\\\)\"]], processEscapes: true}};</script>")


def page_path(notebook_path: str) -> pathlib.PurePosixPath:
    """Where a notebook's HTML page lives, relative to the build folder."""
    return pathlib.PurePosixPath("html") / pathlib.PurePosixPath(notebook_path).relative_to("notebooks").with_suffix(".html")


def _prefix(page: pathlib.PurePosixPath) -> str:
    """The relative path from ``page`` (relative to the build folder) back to the build folder."""
    return "../" * (len(page.parts) - 1)


# ---------------------------------------------------------------------------------------------- MathJax

def mathjax_source() -> pathlib.Path | None:
    """The MathJax 2 folder of the installed ``jupyter-server-mathjax`` (read as files, never imported)."""
    import importlib.metadata

    try:
        dist = importlib.metadata.distribution(MATHJAX_DIST)
    except importlib.metadata.PackageNotFoundError:
        return None
    folder = pathlib.Path(dist.locate_file(MATHJAX_STATIC))
    return folder if (folder / "MathJax.js").is_file() else None


def install_mathjax(build: pathlib.Path) -> bool:
    """Copy MathJax into ``build/assets/mathjax`` once (again only when the package version changes).

    Returns False, copying nothing, when ``jupyter-server-mathjax`` is not installed.
    """
    import importlib.metadata

    source = mathjax_source()
    if source is None:
        return False
    target = pathlib.Path(build) / ASSETS / "mathjax"
    stamp = target / ".source-version"
    version = importlib.metadata.version(MATHJAX_DIST)
    if stamp.is_file() and stamp.read_text().strip() == version and (target / "MathJax.js").is_file():
        return True

    def skip(folder, names):
        rel = pathlib.Path(folder).relative_to(source).as_posix()
        return [n for n in names if f"{rel}/{n}".lstrip("./") in MATHJAX_SKIP or n.endswith((".py", ".pyc"))]

    # Copy beside the target, then rename: `course run --jobs` renders pages from several
    # processes at once, and none may see (or leave) a half-copied folder.
    target.parent.mkdir(parents=True, exist_ok=True)
    fresh = pathlib.Path(tempfile.mkdtemp(prefix=".mathjax-", dir=target.parent))
    shutil.copytree(source, fresh / "mathjax", ignore=skip)
    (fresh / "mathjax" / ".source-version").write_text(version + "\n")
    if target.exists():
        shutil.rmtree(target, ignore_errors=True)
    try:
        os.replace(fresh / "mathjax", target)
    except OSError:  # another process put its copy there first: the same files
        if not (target / "MathJax.js").is_file():
            raise
    shutil.rmtree(fresh, ignore_errors=True)
    return True


def mathjax_url(build: pathlib.Path, page: pathlib.PurePosixPath) -> str:
    """The MathJax URL for ``page``: the local copy when there is one, else the CDN."""
    if (pathlib.Path(build) / ASSETS / "mathjax" / "MathJax.js").is_file():
        return f"{_prefix(page)}{ASSETS}/mathjax/MathJax.js{MATHJAX_QUERY}"
    return CDN_MATHJAX


# ---------------------------------------------------------------------------------------------- notebook pages

def first_error_cell(notebook) -> int | None:
    """Index of the first code cell with an error output (the one that raised), or None."""
    for i, cell in enumerate(notebook_cells(notebook)):
        if cell.get("cell_type") == "code" and any(o.get("output_type") == "error" for o in cell.get("outputs", [])):
            return i
    return None


_JS_MIMES = ("application/javascript", "application/vnd.jupyter.widget-view+json")


_HREF = re.compile(r'(<a\s[^>]*?href=")([^"#:]+\.ipynb)((?:#[^"]*)?")')
_BADGE_IMG = re.compile(r'<img(?=[^>]*\ssrc="' + re.escape(manifest.COLAB_BADGE_IMAGE) + '")')


def _site_links(body: str, page: pathlib.PurePosixPath, notebook_path: str, root: pathlib.Path | None,
                html_dir: pathlib.Path) -> str:
    """Point a notebook's links to other notebooks at their pages, and to exercises at the checkout.

    Offline, the Colab badge image gives way to its alt text, so the link stays readable.
    """
    course = manifest.load()
    pages = {nb.path: page_path(nb.path) for nb in course.notebooks}
    here = pathlib.PurePosixPath(notebook_path).parent

    def relink(match):
        target = pathlib.PurePosixPath(os.path.normpath(str(here / match.group(2)))).as_posix()
        if target in pages:
            new = os.path.relpath(str(pages[target]), str(page.parent))
        elif root is not None and (root / target).is_file():
            new = pathlib.Path(os.path.relpath(root / target, html_dir)).as_posix()
        else:
            return match.group(0)
        return match.group(1) + html.escape(new) + match.group(3)

    body = _HREF.sub(relink, body)
    return _BADGE_IMG.sub('<img onerror="this.replaceWith(this.alt)"', body)


def render_notebook(notebook, html_path: pathlib.Path, *, build: pathlib.Path, notebook_path: str | None = None,
                    root: pathlib.Path | None = None) -> None:
    """nbconvert's HTML for an executed notebook, with local MathJax, the site's style and navigation slot.

    The cell that raised gets the anchor ``#first-error``; :func:`write_site` fills the navigation.
    With ``notebook_path`` (repository-relative) links to other notebooks go to their pages, and with
    ``root`` (the repository) links to exercise notebooks go to the checkout's files.
    """
    from nbconvert import HTMLExporter

    build, html_path = pathlib.Path(build), pathlib.Path(html_path)
    page = pathlib.PurePosixPath(html_path.relative_to(build).as_posix())
    install_mathjax(build)
    nb = copy.deepcopy(notebook)
    nb["nbformat_minor"] = max(nb.get("nbformat_minor", 0), 5)  # cell ids exist from 4.5
    for i, cell in enumerate(nb["cells"]):
        cell.setdefault("id", f"cell-{i}")
    exporter = HTMLExporter()
    exporter.mathjax_url = mathjax_url(build, page)
    body, _ = exporter.from_notebook_node(nb)
    uses_js = any(m in o.get("data", {}) for c in nb["cells"] for o in c.get("outputs", []) for m in _JS_MIMES)
    if not uses_js:  # require.js only serves JavaScript outputs; offline it is one failed request per page
        body = body.replace(f'<script src="{exporter.require_js_url}"></script>', "", 1)
    prefix = _prefix(page)
    if exporter.mathjax_url != CDN_MATHJAX:
        body = body.replace(f'<script src="{exporter.mathjax_url}">', f'{MATHJAX_PRELUDE}\n<script src="{exporter.mathjax_url}">', 1)
    body = body.replace("</head>", f'<link rel="stylesheet" href="{prefix}{ASSETS}/site.css">\n</head>', 1)
    failing = first_error_cell(nb)
    if failing is not None:
        marker = f'id="cell-id={nb["cells"][failing]["id"]}"'
        at = body.find(marker)
        start = body.rfind("<div", 0, at)
        if at >= 0 and start >= 0:
            body = body[:start] + f'<div id="{ERROR_ANCHOR}" class="course-error-cell">this cell raised</div>\n' + body[start:]
    if notebook_path is not None:
        body = _site_links(body, page, notebook_path, root, html_path.parent)
    body = re.sub(r"(<body[^>]*>)", lambda m: f"{m.group(1)}\n{NAV_START}{NAV_END}", body, count=1)
    html_path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(html_path, body.encode("utf-8"))


def _link(build: pathlib.Path, page: pathlib.PurePosixPath, nb: manifest.Notebook) -> str:
    """Link from ``page`` to a notebook: its rendered page, or its entry on the home page if it never ran."""
    target = page_path(nb.path)
    if (build / target).is_file():
        return _prefix(page) + str(target)
    return f"{_prefix(page)}index.html#nb-{nb.stem}"


def navigation(row: dict, build: pathlib.Path, course: manifest.Course) -> str:
    """The navigation bar (and failure banner) of one notebook's page."""
    page = page_path(row["notebook"])
    prefix = _prefix(page)
    links = [f'<a href="{prefix}index.html">Home</a>']
    order = course.notebooks
    index = next((i for i, nb in enumerate(order) if nb.path == row["notebook"]), None)
    if index is not None:
        nb = order[index]
        unit = course.unit(nb.unit)
        links.append(f'<a href="{prefix}index.html#unit-{unit.id}">{html.escape(unit.id)}: {html.escape(unit.title)}</a>')
        if index > 0:
            prev = order[index - 1]
            links.insert(0, f'<a rel="prev" href="{_link(build, page, prev)}">← {html.escape(prev.title)}</a>')
        if index + 1 < len(order):
            nxt = order[index + 1]
            links.append(f'<a rel="next" href="{_link(build, page, nxt)}">{html.escape(nxt.title)} →</a>')
    links.append(f'<a href="{prefix}results.html">Results</a>')
    bar = f'<nav class="course-nav">{" · ".join(links)}</nav>'
    if row.get("status") == "failed":
        bar += (f'<div class="course-failed">✗ This notebook failed: {html.escape(row.get("error", ""))} '
                + (f'<a href="#{ERROR_ANCHOR}">Go to the cell that raised.</a>' if row.get("error_cell") is not None else "")
                + "</div>")
    return bar


def _refresh_navigation(row: dict, build: pathlib.Path, course: manifest.Course) -> None:
    path = build / page_path(row["notebook"])
    if not path.is_file():
        return
    text = path.read_text(encoding="utf-8")
    start, end = text.find(NAV_START), text.find(NAV_END)
    if start < 0 or end < start:
        return
    new = text[:start + len(NAV_START)] + navigation(row, build, course) + text[end:]
    if new != text:
        atomic_write(path, new.encode("utf-8"))


# ---------------------------------------------------------------------------------------------- home page

def learning_goals(notebook) -> list[str]:
    """The bullet points under "**Learning goals**" in a notebook's first markdown cell."""
    cells = notebook_cells(notebook, "markdown")
    if not cells:
        return []
    goals, inside = [], False
    for line in cell_source(cells[0]).splitlines():
        if re.match(r"\s*\**\s*learning goals\s*:?\s*\**\s*:?\s*$", line, re.IGNORECASE):
            inside = True
        elif inside and re.match(r"\s*[-*]\s+", line):
            goals.append(re.sub(r"^\s*[-*]\s+", "", line).strip())
        elif inside and line.strip() and goals and line[:1].isspace():
            goals[-1] += " " + line.strip()
        elif inside and goals:
            break
    return goals


def _inline(text: str) -> str:
    """Escaped text with `code` spans (formulas stay as $...$ for MathJax)."""
    return re.sub(r"`([^`]+)`", r"<code>\1</code>", html.escape(text, quote=False))


def format_metrics(metrics: dict) -> str:
    return ", ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}" for k, v in metrics.items())


def _colab(url: str) -> str:
    # The badge image comes from the web; offline it hides itself and the text link remains.
    return (f'<a class="colab" href="{html.escape(url)}"><img src="{manifest.COLAB_BADGE_IMAGE}" alt="" '
            f'width="117" height="20" onerror="this.remove()"> Open in Colab</a>')


def _status(row: dict | None, page: str | None) -> str:
    if row is None:
        return '<span class="status none">not run yet</span>'
    if row["status"] == "ok":
        return '<span class="status ok">✓ ok</span>'
    where = ""
    if page and row.get("error_cell") is not None:
        where = f' <a href="{page}#{ERROR_ANCHOR}">the cell that raised</a>'
    elif page:
        where = f' <a href="{page}">the page</a>'
    return f'<span class="status failed">✗ failed: {html.escape(row.get("error", ""))}</span>{where}'


def _notebook_entry(nb: manifest.Notebook, row: dict | None, build: pathlib.Path, root: pathlib.Path | None,
                    course: manifest.Course) -> str:
    source = (root / nb.path) if root is not None else None
    executed = build / "executed" / pathlib.PurePosixPath(nb.path).relative_to("notebooks")
    goals = []
    for candidate in (source, executed):
        if candidate is not None and candidate.is_file():
            goals = learning_goals(read_notebook(candidate))
            break
    page = str(page_path(nb.path)) if (build / page_path(nb.path)).is_file() else None
    title = html.escape(nb.title)
    heading = f'<a href="{page}">{title}</a>' if page else title
    facts = ""
    if row is not None:
        facts = ("<dl>"
                 f"<dt>key metrics</dt><dd>{html.escape(format_metrics(row['metrics'])) or '—'}</dd>"
                 f"<dt>data source</dt><dd>{html.escape('; '.join(row['data_sources'])) or '—'}</dd>"
                 f"<dt>runtime</dt><dd>{row['runtime_s']:.1f} s ({html.escape(row['mode'])} mode, {html.escape(row['finished'])})</dd>"
                 "</dl>")
    links = [f'<a href="{page}">Rendered page</a>'] if page else []
    links.append(_colab(course.colab_url(nb.path)))
    goal_list = "".join(f"<li>{_inline(g)}</li>" for g in goals)
    return (f'<article class="notebook" id="nb-{nb.stem}"><h3>{heading}</h3>'
            f'<p>{_status(row, page)}</p>'
            + (f'<p class="goals-title">Learning goals</p><ul class="goals">{goal_list}</ul>' if goals else "")
            + facts + f'<p class="links">{" · ".join(links)}</p></article>')


def _exercise_entry(ex: manifest.Exercise, build: pathlib.Path, root: pathlib.Path | None, course: manifest.Course) -> str:
    links = []
    if root is not None and (root / ex.stub).is_file():
        links.append(f'<a href="{html.escape(pathlib.Path(os.path.relpath(root / ex.stub, build)).as_posix())}">notebook</a>')
    links.append(_colab(course.colab_url(ex.stub)))
    return (f'<li><strong>{html.escape(ex.title)}</strong> <code>{html.escape(ex.id)}</code>: '
            f'{" · ".join(links)}</li>')


def _page(title: str, body: str, build: pathlib.Path) -> str:
    mathjax = ""
    if (build / ASSETS / "mathjax" / "MathJax.js").is_file():
        mathjax = f'{MATHJAX_PRELUDE}<script src="{ASSETS}/mathjax/MathJax.js{MATHJAX_QUERY}"></script>'
    return ("<!doctype html><html lang='en'><head><meta charset='utf-8'>"
            f"<meta name='viewport' content='width=device-width, initial-scale=1'><title>{html.escape(title)}</title>"
            f"<link rel='stylesheet' href='{ASSETS}/site.css'>{mathjax}</head><body class='course-site'>"
            "<nav class='course-nav'><a href='index.html'>Home</a> · <a href='results.html'>Results</a></nav>"
            f"<main>{body}</main></body></html>")


def home_page(rows: list[dict], build: pathlib.Path, root: pathlib.Path | None, course: manifest.Course) -> str:
    by_path = {r["notebook"]: r for r in rows}
    known = {nb.path for nb in course.notebooks}
    ran = [r for r in rows if r["notebook"] in known]
    failed = sum(r["status"] != "ok" for r in ran)
    parts = ["<h1>Deep-learning course companion</h1>",
             f"<p class='lead'>{len(course.units)} units, {len(course.notebooks)} notebooks in the manifest; "
             f"{len(ran)} run, {failed} failed. <a href='results.html'>Results and timings</a>.</p>",
             "<nav class='toc'>" + " · ".join(f"<a href='#unit-{u.id}'>{html.escape(u.id)}: {html.escape(u.title)}</a>"
                                              for u in course.units) + "</nav>"]
    for unit in course.units:
        parts.append(f"<section class='unit' id='unit-{unit.id}'><h2>{html.escape(unit.id)}: {html.escape(unit.title)}</h2>")
        parts.append(f"<p class='summary'>{_inline(unit.summary)}</p>")
        if unit.topics:
            parts.append("<p class='topics'><strong>Topics covered:</strong> "
                         + " · ".join(_inline(t.text) for t in unit.topics) + "</p>")
        if unit.notebooks:
            parts.extend(_notebook_entry(nb, by_path.get(nb.path), build, root, course) for nb in unit.notebooks)
        else:
            parts.append("<p class='status none'>In preparation.</p>")
        if unit.exercises:
            parts.append("<h3>Exercises</h3><ul class='exercises'>"
                         + "".join(_exercise_entry(ex, build, root, course) for ex in unit.exercises) + "</ul>")
        parts.append("</section>")
    others = [r for r in rows if r["notebook"] not in known]
    if others:
        parts.append("<section class='unit' id='unit-other'><h2>Notebooks outside the manifest</h2><ul>")
        for r in others:
            page = str(page_path(r["notebook"])) if (build / page_path(r["notebook"])).is_file() else None
            name = html.escape(r["notebook"])
            parts.append(f"<li>{f'<a href={chr(34)}{page}{chr(34)}>{name}</a>' if page else name}: {_status(r, page)}</li>")
        parts.append("</ul></section>")
    return _page("Deep-learning course companion", "".join(parts), build)


# ---------------------------------------------------------------------------------------------- results page

def _accuracy_metrics(row: dict) -> dict[str, float]:
    return {k: float(v) for k, v in row["metrics"].items()
            if "accuracy" in k and isinstance(v, (int, float)) and not isinstance(v, bool) and 0 <= v <= 1}


def results_figure(rows: list[dict]) -> str:
    """An SVG (text) of the runtime per notebook and each notebook's accuracy metrics."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib.figure import Figure

    names = [pathlib.PurePosixPath(r["notebook"]).stem for r in rows][::-1]
    ordered = rows[::-1]
    height = 1.2 + 0.45 * max(len(rows), 1)
    fig = Figure(figsize=(11, height), layout="constrained")
    ax_time, ax_acc = fig.subplots(1, 2, sharey=True, width_ratios=(1, 1.3))
    colours = ["#2e7d32" if r["status"] == "ok" else "#c62828" for r in ordered]
    ax_time.barh(range(len(ordered)), [r["runtime_s"] for r in ordered], color=colours)
    for y, r in enumerate(ordered):
        ax_time.annotate(f" {r['runtime_s']:.1f} s" + ("" if r["status"] == "ok" else " (failed)"),
                         (r["runtime_s"], y), va="center", fontsize=8)
    ax_time.set_yticks(range(len(ordered)), names)
    ax_time.set_xlabel("runtime (s)")
    ax_time.set_title("Runtime per notebook (green ok, red failed)")
    ax_time.margins(x=0.25)
    for y, r in enumerate(ordered):
        found = _accuracy_metrics(r)
        for j, (name, value) in enumerate(found.items()):  # one line each inside the notebook's row
            at = y + (j - (len(found) - 1) / 2) * min(0.2, 0.8 / max(len(found), 1))
            ax_acc.plot(value, at, "o", color="#1565c0", ms=4)
            ax_acc.annotate(f"{name}={value:.3g}", (value, at), xytext=(5, 0), textcoords="offset points",
                            fontsize=7, va="center")
    ax_acc.set_xlim(0, 1.45)
    ax_acc.set_xticks([0, 0.25, 0.5, 0.75, 1.0])
    ax_acc.axvline(1.0, color="#999", lw=0.8)
    ax_acc.set_xlabel("accuracy (fraction correct)")
    ax_acc.set_title("Accuracy metrics reported by each notebook")
    ax_acc.grid(axis="x", alpha=0.3)
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg")
    svg = buffer.getvalue()
    return svg[svg.find("<svg"):]


def results_page(rows: list[dict], build: pathlib.Path) -> str:
    ok = sum(r["status"] == "ok" for r in rows)
    body = [f"<h1>Results</h1><p class='lead'>{len(rows)} notebooks run: {ok} ok, {len(rows) - ok} failed; "
            f"{sum(r['runtime_s'] for r in rows):.1f} s in all. The same rows are in "
            "<a href='summary.csv'>summary.csv</a>.</p>"]
    if rows:
        body.append(f"<figure class='results-plot'>{results_figure(rows)}"
                    "<figcaption>Left: wall-clock time of each notebook's run. Right: every metric whose name "
                    "says accuracy; the other metrics are in the table.</figcaption></figure>")
    table = ["<table><tr><th>unit</th><th>notebook</th><th>status</th><th>mode</th><th>key metrics</th>"
             "<th>data source</th><th>runtime</th></tr>"]
    for r in rows:
        page = str(page_path(r["notebook"])) if (build / page_path(r["notebook"])).is_file() else None
        name = html.escape(pathlib.PurePosixPath(r["notebook"]).stem)
        table.append(f"<tr><td>{html.escape(r['unit'])}</td><td>{f'<a href={chr(34)}{page}{chr(34)}>{name}</a>' if page else name}</td>"
                     f"<td>{_status(r, page)}</td><td>{html.escape(r['mode'])}</td>"
                     f"<td>{html.escape(format_metrics(r['metrics']))}</td><td>{html.escape('; '.join(r['data_sources']))}</td>"
                     f"<td>{r['runtime_s']:.1f} s</td></tr>")
    table.append("</table>")
    return _page("Course companion: results", "".join(body + table), build)


# ---------------------------------------------------------------------------------------------- the whole site

def write_site(rows: list[dict], build: pathlib.Path, *, root: pathlib.Path | None = None,
               course: manifest.Course | None = None) -> None:
    """Write ``index.html``, ``results.html`` and the assets, and refresh every page's navigation.

    ``rows`` are the results rows in manifest order; ``root`` is the repository (for the learning
    goals and the exercise notebooks).
    """
    build = pathlib.Path(build)
    course = manifest.load() if course is None else course
    (build / ASSETS).mkdir(parents=True, exist_ok=True)
    shutil.copyfile(STYLE_FILE, build / ASSETS / "site.css")
    install_mathjax(build)
    rows = [dict(r, error_cell=_error_cell(r, build)) for r in rows]
    for row in rows:
        _refresh_navigation(row, build, course)
    atomic_write(build / "index.html", home_page(rows, build, root, course).encode("utf-8"))
    atomic_write(build / "results.html", results_page(rows, build).encode("utf-8"))


def _error_cell(row: dict, build: pathlib.Path) -> int | None:
    executed = build / "executed" / pathlib.PurePosixPath(row["notebook"]).relative_to("notebooks")
    if row.get("status") != "failed" or not executed.is_file():
        return None
    return first_error_cell(read_notebook(executed))
