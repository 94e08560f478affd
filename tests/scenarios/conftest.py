"""Scenario tests run on Debian's /usr/bin/python3 with the built package on PYTHONPATH
(ctest sets it; scripts/test.sh too)."""
