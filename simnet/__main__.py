"""``python -m simnet …`` is the program ``simnet …`` (for a box where the script is not on PATH)."""
import sys

from simnet.cli import main

sys.exit(main())
