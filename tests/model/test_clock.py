"""The clock's end-of-instant callbacks run after every event of their instant."""

from __future__ import annotations

from sim.model.clock import Clock


def test_end_of_instant_work_runs_after_every_event_of_the_instant() -> None:
    env = Clock()
    seen: list[tuple[float, str]] = []

    def note(what: str):
        return lambda _ev: seen.append((env.now, what))

    def late() -> None:
        seen.append((env.now, "late"))
        # what the late work schedules now still happens at this instant, before t=2
        env.timeout(0).callbacks.append(note("scheduled by late"))
        env.at_end_of_instant(lambda: seen.append((env.now, "late again")))

    first = env.timeout(1)
    first.callbacks.append(note("a"))
    first.callbacks.append(lambda _ev: env.at_end_of_instant(late))
    env.timeout(1).callbacks.append(note("b"))  # scheduled after the late work was asked for
    env.timeout(2).callbacks.append(note("c"))
    env.run(until=3)
    assert seen == [
        (1, "a"),
        (1, "b"),
        (1, "late"),
        (1, "scheduled by late"),
        (1, "late again"),
        (2, "c"),
    ]


def test_end_of_instant_work_left_by_the_last_event_still_runs() -> None:
    env = Clock()
    seen: list[float] = []
    env.timeout(1).callbacks.append(lambda _ev: env.at_end_of_instant(lambda: seen.append(1.0)))
    env.run()
    assert seen == [1.0]
