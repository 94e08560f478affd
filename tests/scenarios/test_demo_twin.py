"""The tandem module from Python: the demo twin replays from its seed, faults act
as on real hosts, and C++ errors arrive as tandem.TandemError."""
import json

import pytest

import tandem


def test_version_is_the_builds():
    assert tandem.__version__.count(".") == 2


def test_scripted_demo_is_deterministic_per_seed():
    first = tandem.run_demo(hosts=3, seed=42, duration_s=60)
    second = tandem.run_demo(hosts=3, seed=42, duration_s=60)
    other = tandem.run_demo(hosts=3, seed=43, duration_s=60)
    assert first.trace_hash == second.trace_hash
    assert first.timeline == second.timeline
    assert first.trace_hash != other.trace_hash
    assert first.virtual_seconds == 60.0
    # The script crashes h2 once: its synced boot counter says so.
    assert first.boot_counts == [1, 2, 1]
    assert first.final_summaries == ["h1 reaches h2,h3", "h2 reaches h1,h3", "h3 reaches h1,h2"]


def test_partition_and_heal_from_python():
    twin = tandem.DemoTwin(hosts=3, seed=7)
    twin.run_for(5)
    assert twin.reachable("h1") == ["h2", "h3"]
    twin.partition("h1", "h3")
    twin.run_for(10)
    assert twin.reachable("h1") == ["h2"]
    assert twin.reachable("h3") == ["h2"]
    twin.heal("h1", "h3")
    twin.run_for(10)
    assert twin.reachable("h1") == ["h2", "h3"]


def test_crash_and_restart_keep_only_synced_state():
    twin = tandem.DemoTwin(hosts=2, seed=3)
    twin.run_for(5)
    twin.crash("h2")
    assert not twin.up("h2")
    with pytest.raises(tandem.TandemError, match="h2 is down"):
        twin.reachable("h2")
    twin.run_for(5)
    assert twin.reachable("h1") == []
    twin.restart("h2")
    assert twin.boot_count("h2") == 2
    twin.run_for(5)
    assert twin.reachable("h1") == ["h2"]


def test_errors_name_what_was_wrong():
    twin = tandem.DemoTwin(hosts=2)
    with pytest.raises(tandem.TandemError, match="no host named 'h9'"):
        twin.crash("h9")
    with pytest.raises(tandem.TandemError, match="1 to 250 hosts"):
        tandem.DemoTwin(hosts=0)
    with pytest.raises(ValueError, match="zero or more seconds"):
        twin.run_for(-1)


def test_trace_export_is_json_lines(tmp_path):
    twin = tandem.DemoTwin(hosts=2, seed=5, keep_trace=True)
    twin.run_for(3)
    path = tmp_path / "trace.jsonl"
    twin.write_trace(str(path))
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    assert lines[0]["format"] == "tandem-trace" and lines[0]["version"] == 1
    assert lines[0]["hosts"] == ["h1", "h2"]
    assert lines[-1]["kind"] == "trace.end" and lines[-1]["hash"] == twin.trace_hash
    kinds = {line["kind"] for line in lines[1:-1]}
    assert {"net.connect", "net.accept", "net.data", "timer", "demo.reach"} <= kinds
