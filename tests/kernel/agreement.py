"""Print how many recorded kernel cases simnet reproduces: ``python -m tests.kernel.agreement [-v]``."""
from __future__ import annotations

import sys

from tests.kernel.cases import load_cases, load_fixture
from tests.kernel.compare import differences


def main(argv: list[str]) -> int:
    verbose = "-v" in argv
    names = [a for a in argv if not a.startswith("-")]
    total = agree = 0
    for case in load_cases():
        if names and case.name not in names:
            continue
        fixture = load_fixture(case.name)
        if fixture is None:
            continue
        total += 1
        try:
            problems = differences(case, fixture)
        except Exception as exc:  # report, don't stop the count
            problems = [f"simnet raised {type(exc).__name__}: {exc}"]
        if problems:
            print(f"DIFF {case.name}: {len(problems)} difference(s)")
            if verbose:
                print("\n".join(problems))
        else:
            agree += 1
    pct = 100.0 * agree / total if total else 0.0
    print(f"agreement: {agree}/{total} cases ({pct:.0f} %)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
