"""The course site, rendered from fake results and read back in a real (headless) browser, offline."""

import html.parser
import json
import os
import pathlib
import re
import shutil
import subprocess
import urllib.parse

import pytest

from course_lib import manifest, site

ROOT = pathlib.Path(__file__).resolve().parents[1]
COURSE = manifest.load()
GOOD, BROKEN = COURSE.notebooks[0], COURSE.notebooks[1]
FORMULA = r"$e^{i\pi}+1=0$"
BROWSERS = ("chromium", "chromium-browser", "google-chrome")


def notebook(*cells):
    made = []
    for i, (kind, source, outputs) in enumerate(cells):
        cell = {"cell_type": kind, "id": f"c{i}", "metadata": {}, "source": source}
        if kind == "code":
            cell.update(execution_count=i, outputs=outputs)
        made.append(cell)
    return {"cells": made, "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3",
            "language": "python"}}, "nbformat": 4, "nbformat_minor": 5}


def row(nb, status, error="", **metrics):
    return {"unit": nb.unit, "notebook": nb.path, "status": status, "mode": "smoke", "metrics": metrics,
            "data_sources": ["synthetic:test"], "runtime_s": 1.5 if status == "ok" else 0.7,
            "finished": "2026-01-01T00:00:00", "error": error}


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    import nbformat

    build = tmp_path_factory.mktemp("site") / "build"
    links = (f"{COURSE.badge(GOOD.path)}\n\nNext: [the broken one](../{BROKEN.path.split('/', 1)[1]}#Broken); "
             "exercise: [activations](../../exercises/u1/activations.ipynb).")
    good = notebook(("markdown", f"# A formula\n\nEuler: {FORMULA}, and displayed:\n\n$$\\sum_{{k=1}}^n k = \\frac{{n(n+1)}}{{2}}$$", None),
                    ("markdown", links, None),
                    ("code", "print(6 * 7)", [{"output_type": "stream", "name": "stdout", "text": "42\n"}]))
    broken = notebook(("markdown", "# Broken", None),
                      ("code", "x = 1", []),
                      ("code", "raise ValueError('boom')", [{"output_type": "error", "ename": "ValueError",
                                                             "evalue": "boom", "traceback": ["ValueError: boom"]}]),
                      ("code", "y = 2", []))
    for nb, content in ((GOOD, good), (BROKEN, broken)):
        rel = pathlib.PurePosixPath(nb.path).relative_to("notebooks")
        executed = build / "executed" / rel
        executed.parent.mkdir(parents=True, exist_ok=True)
        executed.write_text(json.dumps(content))
        site.render_notebook(nbformat.reads(json.dumps(content), as_version=4), build / site.page_path(nb.path),
                             build=build, notebook_path=nb.path, root=ROOT)
    rows = [row(GOOD, "ok", test_accuracy=0.97, epochs=2), row(BROKEN, "failed", "ValueError: boom")]
    site.write_site(rows, build, root=ROOT)
    return build


def read(build, name):
    return (build / name).read_text(encoding="utf-8")


def test_home_page_has_every_unit_notebook_goal_and_exercise(built):
    index = read(built, "index.html")
    for unit in COURSE.units:
        assert f"id='unit-{unit.id}'" in index and unit.title in index
        assert all(html.escape(topic.text.split(";")[0], quote=False) in index for topic in unit.topics)  # the page escapes <, > and &
        for nb in unit.notebooks:
            assert f'id="nb-{nb.stem}"' in index, nb.path
        for ex in unit.exercises:
            assert ex.id in index and f'href="{os.path.relpath(ROOT / ex.stub, built)}"' in index
    # the learning goals come from the real notebook's first markdown cell
    first_goal = site.learning_goals(ROOT / GOOD.path)[0]
    assert first_goal.startswith("check that TensorFlow") and "check that TensorFlow" in index
    assert "test_accuracy=0.97" in index and "synthetic:test" in index and "1.5 s" in index
    assert index.count("not run yet") == len(COURSE.notebooks) - 2


def test_colab_badge_has_a_text_fallback(built):
    index = read(built, "index.html")
    assert index.count("Open in Colab</a>") >= len(COURSE.notebooks) + len(COURSE.exercises)
    assert 'onerror="this.remove()"' in index and COURSE.colab_url(GOOD.path) in index


def test_failed_notebook_links_to_the_cell_that_raised(built):
    index, page = read(built, "index.html"), read(built, site.page_path(BROKEN.path))
    assert f'href="{site.page_path(BROKEN.path)}#{site.ERROR_ANCHOR}"' in index and "ValueError: boom" in index
    anchor = page.index(f'id="{site.ERROR_ANCHOR}"')
    assert page.index('id="cell-id=c1"') < anchor < page.index('id="cell-id=c2"') < page.index('id="cell-id=c3"')
    assert "This notebook failed: ValueError: boom" in page and f'href="#{site.ERROR_ANCHOR}"' in page


def test_links_in_notebooks_point_into_the_site(built):
    page = read(built, site.page_path(GOOD.path))
    assert f'href="../{BROKEN.path.split("/", 1)[1].replace(".ipynb", ".html")}#Broken"' in page
    exercise = os.path.relpath(ROOT / "exercises/u1/activations.ipynb", built / "html/u0_start")
    assert f'href="{exercise}"' in page  # relative, whatever the build and checkout folders share
    assert 'onerror="this.replaceWith(this.alt)"' in page  # the badge image gives way to "Open In Colab"


def test_navigation_links_prev_next_unit_home(built):
    first, second = read(built, site.page_path(GOOD.path)), read(built, site.page_path(BROKEN.path))
    assert 'rel="prev"' not in first and 'href="../../index.html"' in first
    assert f'rel="next" href="../../{site.page_path(BROKEN.path)}"' in first  # rendered: its page
    assert f'rel="prev" href="../../{site.page_path(GOOD.path)}"' in second
    third = COURSE.notebooks[2]
    assert f'rel="next" href="../../index.html#nb-{third.stem}"' in second  # never ran: its home-page entry
    assert f'href="../../index.html#unit-{BROKEN.unit}"' in second


def test_navigation_is_refreshed_when_a_neighbour_is_rendered(tmp_path):
    import nbformat

    build = tmp_path / "build"
    content = nbformat.reads(json.dumps(notebook(("code", "1", []))), as_version=4)
    site.render_notebook(content, build / site.page_path(GOOD.path), build=build)
    site.write_site([row(GOOD, "ok", x=1)], build, root=ROOT)
    assert f'rel="next" href="../../index.html#nb-{BROKEN.stem}"' in read(build, site.page_path(GOOD.path))
    site.render_notebook(content, build / site.page_path(BROKEN.path), build=build)
    site.write_site([row(GOOD, "ok", x=1), row(BROKEN, "ok", x=2)], build, root=ROOT)
    assert f'rel="next" href="../../{site.page_path(BROKEN.path)}"' in read(build, site.page_path(GOOD.path))


def test_pages_load_mathjax_from_the_site_folder(built):
    page = read(built, site.page_path(GOOD.path))
    sources = re.findall(r'<script[^>]*\bsrc="([^"]*)"', page)
    assert sources and not [s for s in sources if "://" in s], sources  # no MathJax or require.js from the web
    assert f'src="../../assets/mathjax/MathJax.js{site.MATHJAX_QUERY}"' in page
    assert (built / "assets/mathjax/MathJax.js").is_file()
    assert (built / "assets/mathjax/config/TeX-AMS-MML_HTMLorMML-full.js").is_file()
    assert list((built / "assets/mathjax/fonts/HTML-CSS/STIX-Web/woff").glob("*.woff"))
    assert not (built / "assets/mathjax/localization").exists()


def test_results_page_plots_the_summary(built):
    results = read(built, "results.html")
    assert "<svg" in results and "<!-- runtime (s) -->" in results  # matplotlib notes each text it draws
    assert "<!-- accuracy (fraction correct) -->" in results and "<!-- test_accuracy=0.97 -->" in results
    assert "1 ok, 1 failed" in results and "test_accuracy=0.97" in results
    assert results.count("<tr>") == 3


def test_results_figure_labels_its_axes():
    svg = site.results_figure([row(GOOD, "ok", test_accuracy=0.5), row(BROKEN, "failed")])
    assert svg.startswith("<svg") and svg.count("<g id=\"axes_") == 2
    assert "<!-- test_accuracy=0.5 -->" in svg and "<!--  0.7 s (failed) -->" in svg


def test_learning_goals_edge_cases():
    assert site.learning_goals({"cells": []}) == []
    assert site.learning_goals({"cells": [{"cell_type": "markdown", "source": "# No goals here\n- a list"}]}) == []
    text = "**Learning goals:**\n* first\n* second, `code`\n\nAfter.\n- not a goal"
    assert site.learning_goals({"cells": [{"cell_type": "markdown", "source": text}]}) == ["first", "second, `code`"]


# ---------------------------------------------------------------------------------------------- in a browser

def browser() -> str:
    """The headless browser; skips where none is installed, but fails under CI (.ci/run installs chromium)."""
    for name in BROWSERS:
        found = shutil.which(name)
        if found:
            return found
    message = "no chromium to test the site in a browser (`apt-get install chromium` provides it)"
    if os.environ.get("CI") == "true":
        pytest.fail(message + "; .ci/run installs it, and that step failed")
    pytest.skip(message)


def chromium(page: pathlib.Path, *args: str) -> str:
    command = [browser(), "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
               "--no-first-run", "--disable-extensions", "--virtual-time-budget=10000", *args, page.as_uri()]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120,
                          env={**os.environ, "HOME": str(page.parent)})
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


class Links(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.links, self.ids, self.classes = [], set(), []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for key in ("href", "src"):
            if attrs.get(key):
                self.links.append((tag, attrs[key]))
        if attrs.get("id"):
            self.ids.add(attrs["id"])
        self.classes.extend((attrs.get("class") or "").split())


def parse(dom: str) -> Links:
    parser = Links()
    parser.feed(dom)
    return parser


def local_links_resolve(page: pathlib.Path, dom: Links) -> list[str]:
    """Every local href/src of the page's DOM that points at no file (or at no element of that file)."""
    broken = []
    for tag, link in dom.links:
        parts = urllib.parse.urlsplit(link)
        if parts.scheme in ("http", "https", "data", "javascript", "mailto"):
            continue
        assert not parts.scheme or parts.scheme == "file", link
        target = page if not parts.path else (page.parent / urllib.parse.unquote(parts.path)).resolve()
        if not target.exists():
            broken.append(link)
        elif parts.fragment and target.suffix == ".html":
            ids = dom.ids if target == page else parse(target.read_text(encoding="utf-8")).ids
            if not {parts.fragment, urllib.parse.unquote(parts.fragment)} & ids:  # browsers try both
                broken.append(link)
    return broken


def test_browser_home_page_lists_every_unit_and_its_links_resolve(built):
    index = built / "index.html"
    dom = parse(chromium(index, "--dump-dom"))
    assert {f"unit-{u.id}" for u in COURSE.units} <= dom.ids
    assert {f"nb-{nb.stem}" for nb in COURSE.notebooks} <= dom.ids
    assert not local_links_resolve(index, dom)
    assert not [src for tag, src in dom.links if tag == "img"], "offline, the badge images remove themselves"
    shot = built / "screenshots/home.png"
    shot.parent.mkdir(exist_ok=True)
    chromium(index, f"--screenshot={shot}", "--window-size=1200,900")
    assert shot.stat().st_size > 10_000


def test_browser_typesets_the_formula_offline_and_page_links_resolve(built):
    for nb in (GOOD, BROKEN):
        page = built / site.page_path(nb.path)
        text = chromium(page, "--dump-dom")
        dom = parse(text)
        assert not local_links_resolve(page, dom), nb.path
        assert not [src for tag, src in dom.links if tag == "img" and "://" in src], "a web image is left offline"
        if nb is GOOD:
            # MathJax 2's HTML-CSS output: one frame per formula, and no "Math input error"
            assert {"MathJax-Element-1-Frame", "MathJax-Element-2-Frame"} <= dom.ids, "MathJax did not typeset"
            assert "MathJax_Display" in dom.classes and "MathJax_Error" not in dom.classes
            assert FORMULA not in text.split('<script type="math/tex"')[0]  # the raw TeX is gone from the text
    shot = built / "screenshots/notebook.png"
    chromium(built / site.page_path(GOOD.path), f"--screenshot={shot}", "--window-size=1200,900")
    chromium(built / "results.html", f"--screenshot={built / 'screenshots/results.png'}", "--window-size=1200,900")
    assert shot.stat().st_size > 10_000
