"""Scenario tests run on Debian's /usr/bin/python3 with the built package on PYTHONPATH
(ctest sets it; scripts/test.sh too). The scenario scripts are importable from here."""
import pathlib
import sys

SCENARIOS = pathlib.Path(__file__).resolve().parents[2] / "scenarios"
sys.path.insert(0, str(SCENARIOS))
