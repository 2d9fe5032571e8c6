"""Run a parksim scenario: `python run_sim.py SCENARIO.yaml [options]` (same as `parksim run`)."""

import sys

from sim.cli import main

if __name__ == "__main__":
    sys.exit(main(["run", *sys.argv[1:]]))
