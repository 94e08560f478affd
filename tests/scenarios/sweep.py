"""How many seeds a sweep runs.

Each scenario runs on TANDEM_SEEDS seeds (its default otherwise) from
TANDEM_SEED_START (1 by default). A larger sweep spreads over cores with
pytest-xdist (-n auto) and over machines by giving each machine its own start.
"""
import os


def seeds(default_count: int) -> list[int]:
    start = int(os.environ.get("TANDEM_SEED_START", "1"))
    count = int(os.environ.get("TANDEM_SEEDS", str(default_count)))
    return list(range(start, start + count))
