"""The ``course`` command. Subcommands import TensorFlow only when they need it."""

from __future__ import annotations

import argparse
import json
import os
import sys


def _cmd_doctor(args) -> int:
    from . import doctor

    report = doctor.collect(probe_timeout=args.timeout)
    print(json.dumps(report, indent=2) if args.json else doctor.format_report(report))
    return 0


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
        if args.topics:
            for topic in unit.topics:
                where = [f"{nb.stem} § {section}" for nb in unit.notebooks for t, section in nb.covers if t == topic.id]
                mark = "✓" if topic.id in covered else "·"
                print(f"    {mark} {topic.id:<32} {topic.text}" + (f"  → {'; '.join(where)}" if where else ""))
    return 0


def _cmd_run(args) -> int:
    from . import runner

    target = args.target or os.environ.get("UNIT") or None
    try:
        results = runner.run(target, mode=args.mode, write_back=args.write_back, clean=args.clean)
    except KeyError as exc:
        print(f"course run: {exc.args[0]}", file=sys.stderr)
        return 2
    failed = [r for r in results if r.status != "ok"]
    for r in failed:
        print(f"FAILED {r.notebook}: {r.error}", file=sys.stderr)
    return 1 if failed else 0


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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="course", description="Deep-learning course companion: run notebooks, "
                                     "check the environment and keep generated content in step.")
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
    p.add_argument("--mode", choices=("smoke", "default", "full"), default=os.environ.get("COURSE_MODE") or "default")
    p.add_argument("--write-back", action="store_true",
                   help="also save the executed notebook over its source (maintainers refreshing outputs)")
    p.add_argument("--clean", action="store_true", help="delete build/ first")
    p.set_defaults(func=_cmd_run)

    p = sub.add_parser("badges", help="regenerate titles, Colab badges, setup cells and the README table")
    p.add_argument("--check", action="store_true", help="only report mismatches; exit 1 if any")
    p.set_defaults(func=_cmd_badges)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except BrokenPipeError:  # `course list | head` closed the pipe; that is not an error
        sys.stderr.close()
        return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
