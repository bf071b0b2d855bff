"""``python -m simnet …`` is the program ``simnet …`` (for a box where the script is not on PATH)."""
import sys

from simnet.cli import main

if __name__ == "__main__":         # not when a tool walks the package and imports every module
    sys.exit(main())
