"""Batches of runs: the size chosen from the run time or given, suspects alone, the window."""

from __future__ import annotations

import pytest

from sim.cli import main
from sim.experiment.batching import (
    MAX_AUTO_BATCH,
    TARGET_TASK_SECONDS,
    Batcher,
    batch_key,
    parse_batch_size,
    run_batch,
)
from tests.experiment.test_sweep import GRID, write_sweep


def test_a_batch_size_is_auto_or_a_whole_number_of_at_least_one() -> None:
    assert parse_batch_size(None) is None
    assert parse_batch_size(" Auto ") is None
    assert parse_batch_size("7") == 7
    assert parse_batch_size(1) == 1
    for bad in ("0", "-3", "seven", "2.5"):
        with pytest.raises(ValueError, match="expected `auto` or a whole number ≥ 1"):
            parse_batch_size(bad)


def test_a_fixed_size_takes_consecutive_items_and_a_short_last_batch() -> None:
    b = Batcher(range(16), 7)
    got = []
    while b:
        got.append(b.take(threads=2))
    assert got == [list(range(7)), list(range(7, 14)), [14, 15]]


def test_automatic_batches_start_with_one_run_a_thread_then_fill_about_a_second() -> None:
    b = Batcher(range(10_000), None)
    assert (b.take(threads=4), b.window(threads=4, max_in_flight=None)) == ([0], 4)
    b.observe([TARGET_TASK_SECONDS / 20] * 3)  # runs of 0.05 s → 20 a task
    assert b.window(threads=4, max_in_flight=None) == 16
    assert b.take(threads=4) == list(range(1, 21))
    b.observe([TARGET_TASK_SECONDS / 1000] * 100)  # very fast runs: capped
    assert b.next_size(threads=4) == MAX_AUTO_BATCH
    b.observe([10 * TARGET_TASK_SECONDS] * 10_000)  # slow runs: one a task
    assert b.next_size(threads=4) == 1


def test_automatic_batches_shrink_at_the_end_so_every_thread_gets_some() -> None:
    b = Batcher(range(50), None)
    b.observe([0.001] * 10)  # would be 100 a task
    assert b.next_size(threads=5) == 5  # 50 left ÷ (2 tasks × 5 threads)
    for _ in range(46):
        b.pending.popleft()
    assert b.next_size(threads=5) == 1


def test_items_of_a_task_that_killed_workers_go_first_and_alone() -> None:
    b = Batcher(range(10), 4)
    first = b.take(threads=1)
    b.again(first, suspect=True)
    assert [b.take(threads=1) for _ in range(5)] == [[0], [1], [2], [3], [4, 5, 6, 7]]
    b.again([4, 5], suspect=False)
    assert b.take(threads=1) == [4, 5, 8, 9]
    assert not b


def test_max_in_flight_bounds_the_window() -> None:
    b = Batcher(range(100), 3)
    assert b.window(threads=8, max_in_flight=None) == 32
    assert b.window(threads=8, max_in_flight=5) == 5
    assert Batcher(range(100), None).window(threads=8, max_in_flight=5) == 5


def test_a_batch_runs_each_item_and_times_it() -> None:
    out = run_batch(lambda x: x * x, [1, 2, 3])
    assert [v for v, _ in out] == [1, 4, 9]
    assert all(s >= 0 for _, s in out)
    assert batch_key("p", "p000001-r0002", 1) == "p-p000001-r0002"
    assert batch_key("p", "p000001-r0002", 7) == "p-p000001-r0002+6"


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (["--batch-size", "none"], "--batch-size: expected `auto` or a whole number ≥ 1, got"),
        (["--batch-size", "0"], "--batch-size: expected `auto` or a whole number ≥ 1, got 0"),
        (["--max-in-flight", "0"], "--max-in-flight must be at least 1, got 0"),
        (["--recycle-after", "-2"], "--recycle-after must be at least 1, got -2"),
        (
            ["--executor", "serial", "--batch-size", "3", "--recycle-after", "9"],
            "--batch-size, --recycle-after need --executor local or dask",
        ),
    ],
)
def test_bad_batching_options_exit_2_naming_the_option_and_write_nothing(
    tmp_path, capsys, flags, message
) -> None:
    f = write_sweep(tmp_path, GRID)
    out = tmp_path / "out"
    assert main(["sweep", str(f), "--out", str(out), *flags]) == 2
    err = capsys.readouterr().err
    assert f"parksim sweep: {message}" in err
    assert "Traceback" not in err
    assert not out.exists()
