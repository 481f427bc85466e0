"""Child-process entry points: ``python -m bench.child <task> args…`` (measured from outside)."""

from __future__ import annotations

import sys


def main(argv: list[str]) -> int:
    task, args = argv[0], argv[1:]
    if task == "genstore":
        from .storegen import main as run
    else:
        raise SystemExit(f"unknown bench child task {task!r}")
    return run(args)


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
