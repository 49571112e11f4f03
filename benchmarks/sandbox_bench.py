"""Benchmark the sandbox and print the JSON report (``--quick`` for fewer repeats).

The same as ``medagentgym sandbox bench --json``; the logic lives in ``medagentgym.sandbox.bench``.
"""

from __future__ import annotations

import argparse
import json

from medagentgym.sandbox.bench import measure


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer repeats (well under a minute)")
    print(json.dumps(measure(quick=parser.parse_args().quick), indent=2))


if __name__ == "__main__":
    main()
