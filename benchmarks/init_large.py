"""How long `gen-backend init` takes on a large bare spec: the synthetic spec of
generate_large.py (40 tables: 200 operations) alone, drafted into a handoff and accepted.

Target (issue 19): under 5 s on this machine. Reported beside a baseline taken in the same run,
reading and validating the spec alone (what any tool must do with it), as a ratio: the draft's
own cost is the ratio above 1. Measured here, never asserted in tests.

    .venv/bin/python benchmarks/init_large.py [--tables 40] [--runs 3]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from gen_backend.accept import Accepted, accept
from gen_backend.draft import draft_handoff
from gen_backend.load import openapi

sys.path.insert(0, str(Path(__file__).parent))
from generate_large import synthesise


def _best_of(runs: int, work: object) -> float:
    best = float("inf")
    for _ in range(runs):
        openapi._VALID.clear()  # validation is cached by content: measure it every run
        start = time.perf_counter()
        work()  # type: ignore[operator]
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tables", type=int, default=40)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "full").mkdir()
        synthesise(root / "full", args.tables)
        spec = root / "full" / "openapi.yaml"
        handoff = root / "handoff"
        handoff.mkdir()
        operations = 0

        def init() -> None:
            nonlocal operations
            draft = draft_handoff(spec, handoff)
            for name, text in draft.files.items():
                (handoff / name).write_text(text)
            result = accept(handoff)
            assert isinstance(result, Accepted), result
            operations = len(result.model.operations)

        baseline = _best_of(args.runs, lambda: openapi.load_openapi(spec))
        drafted = _best_of(args.runs, init)
    print(f"bare spec: {operations} operations, best of {args.runs} runs")
    print(f"  read + validate the spec  {baseline:6.2f} s   (baseline)")
    print(f"  init + check the draft    {drafted:6.2f} s   {drafted / baseline:5.2f}x baseline")
    print("  (target: init under 5 s)")


if __name__ == "__main__":
    main()
