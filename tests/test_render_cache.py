"""What a worker keeps for the live screens is built once, whoever asks (render_cache.py)."""

import threading

import pytest

from hallapp import render_cache

pytestmark = pytest.mark.one_database


class WaitsSeen(threading.Event):
    """An Event that tells each time a thread starts waiting on it."""

    waiting = threading.Semaphore(0)

    def wait(self, timeout=None):
        WaitsSeen.waiting.release()
        return super().wait(timeout)


@pytest.fixture
def waits(monkeypatch):
    WaitsSeen.waiting = threading.Semaphore(0)
    monkeypatch.setattr(render_cache, "Event", WaitsSeen)

    def threads_waiting(count: int) -> None:
        for _ in range(count):
            assert WaitsSeen.waiting.acquire(timeout=10)

    return threads_waiting


def ask_from_threads(app, count: int, build) -> tuple[list, list[threading.Thread]]:
    answers: list = []

    def ask():
        with app.app_context():
            try:
                answers.append(render_cache.cached(("board", 1, 7), build))
            except RuntimeError as error:
                answers.append(error)

    threads = [threading.Thread(target=ask) for _ in range(count)]
    return answers, threads


def test_threads_asking_for_the_same_render_at_once_get_one_build(app, waits):
    building, release = threading.Event(), threading.Event()
    builds: list[int] = []

    def build() -> str:
        builds.append(1)
        building.set()
        release.wait(10)
        return "<board>"

    answers, threads = ask_from_threads(app, 4, build)
    threads[0].start()
    building.wait(10)
    for thread in threads[1:]:
        thread.start()
    waits(3)  # the other three wait for the first one's build
    release.set()
    for thread in threads:
        thread.join(10)
    assert builds == [1] and answers == ["<board>"] * 4


def test_when_a_build_fails_a_waiting_thread_builds_in_its_turn(app, waits):
    building, release = threading.Event(), threading.Event()
    builds: list[int] = []

    def build() -> str:
        builds.append(1)
        if len(builds) == 1:
            building.set()
            release.wait(10)
            raise RuntimeError("the database went away")
        return "<board>"

    answers, threads = ask_from_threads(app, 2, build)
    threads[0].start()
    building.wait(10)
    threads[1].start()
    waits(1)
    release.set()
    for thread in threads:
        thread.join(10)
    assert len(builds) == 2
    assert isinstance(answers[0], RuntimeError) and answers[1] == "<board>"
