"""`make faults`: many crash trials of `rare-earth load`, each on a fresh copy of a published warehouse,
and a table of counts: torn (readers saw a mix), stuck (the next load hung), recovered (the next load
reached exactly the state an uninterrupted load reaches).

    python tests/faults/run_faults.py [--trials 50] [--seed 7] [--jobs 2]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from faults.harness import TrialResult, build_base, moments, run_trial


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--trials", type=int, default=50)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--jobs", type=int, default=1, help="trials run side by side (each is its own warehouse)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="rare-earth-faults-") as scratch:
        root = Path(scratch)
        print("building the base warehouse and the reference after-state ...", flush=True)
        base = build_base(root)
        plan = moments(args.trials, base.output_lines, args.seed)
        print(f"{len(plan)} trials; a whole load of the new files prints {base.output_lines} lines\n", flush=True)
        columns = ("kill moment", "what happened", "published after kill", "next load")
        print(f"{'#':>3}  {columns[0]:<22} {columns[1]:<28} {columns[2]:<21} {columns[3]:<10} {'s':>6}")
        results: list[TrialResult] = []
        with ThreadPoolExecutor(max_workers=args.jobs) as pool:
            futures = [pool.submit(run_trial, base, moment, root / f"trial-{n}") for n, moment in enumerate(plan)]
            for number, future in enumerate(futures):
                result = future.result()
                results.append(result)
                verdict = "stuck" if result.stuck else "recovered" if result.recovered else "WRONG"
                print(
                    f"{number:>3}  {result.moment!s:<22} {result.what:<28.28} {result.after_kill:<21.21} "
                    f"{verdict:<10} {result.recovery_s:>6.1f}",
                    flush=True,
                )
                if not result.recovered:
                    print(result.next_output[-2000:], flush=True)
    killed = [r for r in results if r.what.startswith("killed")]
    torn = [r for r in results if r.after_kill not in ("before", "after")]
    stuck = [r for r in results if r.stuck]
    recovered = [r for r in results if r.recovered]
    in_publish = [r for r in killed if r.moment.in_publish]
    slowest = max(results, key=lambda r: r.recovery_s)
    print(
        f"\ntrials {len(results)}, killed {len(killed)} ({len(in_publish)} inside the publish step), "
        f"torn {len(torn)}, stuck {len(stuck)}, recovered {len(recovered)}/{len(results)}; "
        f"slowest recovery {slowest.recovery_s:.1f} s (trial killed {slowest.moment})"
    )
    return 0 if not torn and not stuck and len(recovered) == len(results) else 1


if __name__ == "__main__":
    sys.exit(main())
