"""`make bench`: runs every bench/bench_*.py (each exposes main(argv) -> None) in name order.

Each benchmark prints its own table with ratios measured side by side in this run, and appends its
section to bench/RESULTS.md itself when asked (`--record`). Pass a name to run one: `make bench ONLY=policy`.
"""

from __future__ import annotations

import importlib.util
import os
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> int:
    only = os.environ.get("ONLY", "")
    scripts = sorted(HERE.glob("bench_*.py"))
    if only:
        scripts = [s for s in scripts if only in s.stem]
    if not scripts:
        print("no benchmark matched", only)
        return 1
    for script in scripts:
        spec = importlib.util.spec_from_file_location(script.stem, script)
        module = importlib.util.module_from_spec(spec)
        assert spec.loader is not None
        spec.loader.exec_module(module)
        print(f"== {script.stem} ==", flush=True)
        started = time.perf_counter()
        module.main(sys.argv[1:])
        print(f"== {script.stem} done in {time.perf_counter() - started:.1f} s ==", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
