"""The ``course`` command. Subcommands import TensorFlow only when they need it.

An environment variable with an unusable value (:class:`course_lib.config.ConfigError`) ends
any command with ``course: error: ...`` and exit status 2, never a traceback; other
unexpected exceptions keep their traceback, so bugs stay visible.
"""

from __future__ import annotations

import argparse
import json
import os
import sys

from . import config
from ._validation import check_int

MODE_COMMANDS = ("run", "doctor")  # the commands that read COURSE_MODE; the others only warn about a bad one
EPILOG = f"""\
environment:
  {config.MODE_ENV}   smoke, default or full (unset: default): the scale of `course run` and of
                the notebooks. An unknown value stops `course run` (unless --mode is given) and
                `course doctor` with exit status 2; the other commands do not use it and only warn.
  {config.CACHE_ENV}  the data cache folder (unset: ~/.cache/course_lib). A file there, or a path
                that cannot be created, stops the commands that use the cache with exit status 2.
  {config.SEED_ENV}   the course-wide seed, an integer (unset: {config.DEFAULT_SEED}).

exit status: 0 success; 1 a check found problems (`data verify`, `badges --check`, `check`, a failed
notebook in `run`); 2 a usage or configuration error, reported as `course: error: ...`."""


def _cmd_doctor(args) -> int:
    from . import doctor

    report = doctor.collect(probe_timeout=args.timeout)
    print(json.dumps(report, indent=2) if args.json else doctor.format_report(report))
    for problem in report["problems"]:  # the report is still printed: it is what a bug report needs
        print(f"course: error: {problem}", file=sys.stderr)
    return 2 if report["problems"] else 0


def _cmd_list(args) -> int:
    from . import manifest

    course = manifest.load()
    for unit in course.units:
        if args.unit and args.unit not in (unit.id, unit.dir):
            continue
        print(f"{unit.id}  {unit.title}  ({len(unit.notebooks)} notebooks, {len(unit.exercises)} exercises)")
        covered = {topic for nb in unit.notebooks for topic, _ in nb.covers}
        for nb in unit.notebooks:
            print(f"    notebook  {nb.path}  {nb.title}")
        for ex in unit.exercises:
            print(f"    exercise  {ex.id}  {ex.title}  ({ex.stub})")
        if unit.library:
            print(f"    library   {', '.join(f'course_lib.{m}' for m in unit.library)}")
        if args.topics:
            for topic in unit.topics:
                where = [f"{nb.stem} § {section}" for nb in unit.notebooks for t, section in nb.covers if t == topic.id]
                mark = "✓" if topic.id in covered else "·"
                print(f"    {mark} {topic.id:<32} {topic.text}" + (f"  → {'; '.join(where)}" if where else ""))
    return 0


def _cmd_run(args) -> int:
    from . import runner

    target = args.target or os.environ.get("UNIT") or None
    mode = args.mode or config.mode()  # an unknown COURSE_MODE raises ConfigError: exit 2 in main()
    try:
        results = runner.run(target, mode=mode, write_back=args.write_back, clean=args.clean, jobs=args.jobs)
    except KeyError as exc:
        print(f"course run: {exc.args[0]}", file=sys.stderr)
        return 2
    failed = [r for r in results if r.status != "ok"]
    for r in failed:
        print(f"FAILED {r.notebook}: {r.error}", file=sys.stderr)
    return 1 if failed else 0


def _cmd_lab(args) -> int:
    from . import lab  # jupyterlab itself is imported only by the process lab.main() starts

    return lab.main(args.path, port=args.port, no_browser=args.no_browser)


def _cmd_badges(args) -> int:
    from . import badges, manifest

    root = manifest.repo_root()
    problems = badges.sync(root, write=not args.check)
    if args.check:
        for p in problems:
            print(p)
        print("badges: all generated content matches the manifest" if not problems else
              f"badges: {len(problems)} problem(s); run `course badges` to regenerate")
        return 1 if problems else 0
    unfixable = badges.file_problems(manifest.load(), root)
    for p in unfixable:
        print(p)
    print(f"badges: regenerated ({len(problems) - len(unfixable)} fix(es)); {len(unfixable)} need a manifest edit")
    return 1 if unfixable else 0


def _cmd_data(args) -> int:
    from .data import commands  # numpy and the registry only: no TensorFlow

    return commands.run(args)


def _cmd_check(args) -> int:
    from .grading import exercise_limits, gradebook  # jupyter_client and numpy; the kernel imports the rest

    try:
        limits = exercise_limits.limits_for(args.exercise, timeout_s=args.timeout, memory_mb=args.memory_mb)
        graded = gradebook.grade_notebook(args.exercise, args.notebook, limits=limits, part=args.part,
                                          require_isolation=args.require_isolation)
    except (ValueError, OSError) as exc:
        print(f"course check: {exc}", file=sys.stderr)
        return 2
    for note in graded.notes:  # messages from the submission: no control character reaches the terminal
        print(f"⚠️  {gradebook.printable(note)}")
    print("\n".join(gradebook.printable(line) for line in graded.report.lines()))
    return 0 if graded.report.total == graded.report.max_points else 1


def _cmd_grade(args) -> int:
    from .grading import exercise_limits, gradebook

    try:
        limits = exercise_limits.limits_for(args.exercise, timeout_s=args.timeout, memory_mb=args.memory_mb)
        summary = gradebook.grade(args.exercise, args.submissions, args.out, workers=args.workers, force=args.force,
                                  extra_checks=args.extra_checks, limits=limits, progress=not args.no_progress,
                                  require_isolation=args.require_isolation, reports=args.reports,
                                  canvas_assignment=args.canvas_assignment,
                                  similarity_threshold=args.similarity_threshold)
    except (ValueError, OSError) as exc:
        print(f"course grade: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"course grade: interrupted; every row finished so far is in {args.out}", file=sys.stderr)
        return 130
    print(f"wrote {summary.out}")
    return 0


def _positive_int(text: str) -> int:
    """argparse type for counts such as --jobs, with the house's message."""
    try:
        return check_int("the count", int(text))
    except ValueError as exc:  # int("x") and check_int's ArgumentValueError are both ValueErrors
        raise argparse.ArgumentTypeError(str(exc) if "must be" in str(exc) else
                                         f"expected a positive int, got {text!r}") from None


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="course", description="Deep-learning course companion: run notebooks, "
                                     "check the environment and keep generated content in step.",
                                     epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    p = sub.add_parser("doctor", help="versions, devices, mode, offline datasets and network, for bug reports")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.add_argument("--timeout", type=float, default=3.0, help="seconds allowed for the network probe (default 3)")
    p.set_defaults(func=_cmd_doctor)

    p = sub.add_parser("list", help="units, notebooks, exercises and topics from the manifest")
    p.add_argument("unit", nargs="?", help="only this unit (e.g. u1)")
    p.add_argument("--topics", action="store_true", help="also list SYLLABUS topics and where each is covered")
    p.set_defaults(func=_cmd_list)

    p = sub.add_parser("run", help="execute notebooks, render HTML under build/ and update the results summary")
    p.add_argument("target", nargs="?", help="a unit (u1), a notebook (00_start_here) or nothing for all; "
                   "the UNIT environment variable works too")
    p.add_argument("--mode", choices=config.MODES, default=None,
                   help=f"run mode (default: {config.MODE_ENV}, else default); it overrides {config.MODE_ENV}")
    p.add_argument("--write-back", action="store_true",
                   help="also save the executed notebook over its source (maintainers refreshing outputs)")
    p.add_argument("--clean", action="store_true", help="delete build/ first")
    p.add_argument("--jobs", "-j", type=_positive_int, default=None,
                   help="notebooks run at once, each in its own kernel (default: CPU cores); one line per "
                   "notebook as it finishes, the summary in manifest order")
    p.set_defaults(func=_cmd_run)

    p = sub.add_parser("lab", help="open JupyterLab on the course folder with this environment's Python kernel")
    p.add_argument("path", nargs="?", help="a folder to open JupyterLab on, or a notebook to open (default: the "
                   "course folder)")
    p.add_argument("--port", type=_positive_int, default=None, help="port on 127.0.0.1 (default: 8888, or the next free one)")
    p.add_argument("--no-browser", action="store_true", help="do not open a browser; open the printed URL yourself")
    p.set_defaults(func=_cmd_lab)

    p = sub.add_parser("data", help="datasets: list them, prefetch the full ones for offline use, verify the cache")
    data_sub = p.add_subparsers(dest="data_command", metavar="ACTION", required=True)
    q = data_sub.add_parser("list", help="every dataset, its offline and full sources and what is here")
    q.add_argument("--json", action="store_true", help="machine-readable output")
    q = data_sub.add_parser("prefetch", help="download the full datasets into the cache (and the Keras cache)")
    q.add_argument("names", nargs="*", help="datasets to fetch (default: every one with a download)")
    q.add_argument("--timeout", type=float, default=None,
                   help="seconds without data before a download gives up (default: COURSE_NET_TIMEOUT or 3)")
    data_sub.add_parser("verify", help="check every cached file's SHA-256 and that each parsed archive opens; "
                        "report corrupt, partial or misplaced files (exit 1 if any)")
    p.set_defaults(func=_cmd_data)

    p = sub.add_parser("check", help="run an exercise's checks on one notebook, in a sandboxed kernel")
    p.add_argument("exercise", help="exercise id, e.g. u1.activations (see `course list`)")
    p.add_argument("notebook", help="the notebook file to check")
    p.add_argument("--part", help="only this part")
    p.add_argument("--timeout", type=float, default=None,
                   help="seconds for the notebook's cells, and again for the checks (default: the exercise's "
                   "timeout_s in the manifest, else 120)")
    p.add_argument("--memory-mb", type=int, default=None,
                   help="memory limit of the kernel in MB (default: the exercise's memory_mb, else 4096)")
    p.add_argument("--require-isolation", action="store_true",
                   help="fail (exit code 2) instead of grading without bubblewrap isolation")
    p.set_defaults(func=_cmd_check)

    p = sub.add_parser("grade", help="grade a folder of submitted notebooks into a CSV gradebook (sandboxed)")
    p.add_argument("exercise", help="exercise id, e.g. u1.activations (see `course list`)")
    p.add_argument("submissions", metavar="SUBMISSIONS_DIR", help="folder with one submitted notebook per student")
    p.add_argument("--out", default="grades.csv", help="gradebook CSV; re-runs skip rows already there (default grades.csv)")
    p.add_argument("--workers", type=int, default=None, help="submissions graded in parallel (default: CPU cores)")
    p.add_argument("--force", action="store_true", help="regrade every submission, even those already in --out")
    p.add_argument("--extra-checks", metavar="DIR", help="folder of instructor-only checks modules (u1/activations.py, or u1_activations.py)")
    p.add_argument("--timeout", type=float, default=None,
                   help="seconds per submission for its cells, and again for the checks (default: the exercise's "
                   "timeout_s in the manifest, else 120)")
    p.add_argument("--memory-mb", type=int, default=None,
                   help="memory limit per submission in MB (default: the exercise's memory_mb, else 4096)")
    p.add_argument("--require-isolation", action="store_true",
                   help="fail (exit code 2) instead of grading without bubblewrap isolation")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument("--reports", action=argparse.BooleanOptionalAction, default=True,
                   help="also write beside the CSV: NAME_report.html, NAME_feedback/ (one Markdown file per "
                   "student), NAME_canvas.csv, NAME_gradescope.csv and NAME_similarity.csv (default: on)")
    p.add_argument("--canvas-assignment", metavar="NAME", default=None,
                   help="the Canvas export's assignment column, e.g. 'Activations (1234)' to match Canvas "
                   "assignment 1234 (default: the exercise id)")
    p.add_argument("--similarity-threshold", type=float, default=0.9, metavar="S",
                   help="list pairs of submissions whose answer cells score at least S (0..1) as similar, "
                   "for review only (default 0.9)")
    p.set_defaults(func=_cmd_grade)

    p = sub.add_parser("badges", help="regenerate titles, Colab badges, setup cells and the README table")
    p.add_argument("--check", action="store_true", help="only report mismatches; exit 1 if any")
    p.set_defaults(func=_cmd_badges)
    return parser


def _warn_about_unused_mode(args) -> None:
    """A bad COURSE_MODE is an error where it is used (run, doctor); elsewhere a warning, so it is never silent."""
    if args.command in MODE_COMMANDS and not getattr(args, "mode", None):
        return  # the command reads it and stops with the error itself
    try:
        config.mode()
    except config.ConfigError as exc:
        why = f"--mode {args.mode} overrides it" if getattr(args, "mode", None) else "this command does not use it"
        print(f"course: warning: {exc} ({why}; `course run` without --mode, `course doctor` and the notebooks "
              "stop on it)", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    _warn_about_unused_mode(args)
    try:
        return args.func(args)
    except config.ConfigError as exc:  # an unusable environment variable: a message, not a traceback
        print(f"course: error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # `course list | head` closed the pipe; that is not an error
        sys.stderr.close()
        return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
