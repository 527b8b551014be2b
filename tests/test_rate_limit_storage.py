"""The limiter's "memory://" storage: limits' counting, with a sweep that survives requests."""

from limits import parse
from limits.storage import storage_from_string
from limits.strategies import FixedWindowRateLimiter, MovingWindowRateLimiter

from hallapp.rate_limit_storage import MemoryStorage


class KeysVanish(dict):
    """A dict whose key list still names keys a request popped after it was listed."""

    def __init__(self, *args, gone=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.gone = list(gone)

    def keys(self):
        return [*super().keys(), *self.gone]

    def __iter__(self):
        return iter(self.keys())

    def items(self):
        return [*super().items()]


def test_the_memory_scheme_is_the_hall_storage():
    assert isinstance(storage_from_string("memory://"), MemoryStorage)


def test_the_sweep_skips_a_key_a_request_popped_meanwhile():
    storage = MemoryStorage()
    storage.expirations = KeysVanish({"kept": 0.0}, gone=["popped"])
    storage.storage["kept"] = 3
    storage.events = KeysVanish(gone=["cleared"])

    storage._MemoryStorage__expire_events()

    assert "kept" not in storage.storage
    assert storage.expirations.items() == []


def test_the_sweep_still_expires_what_is_old_and_keeps_what_is_not(clock):
    storage = MemoryStorage()
    fixed = FixedWindowRateLimiter(storage)
    moving = MovingWindowRateLimiter(storage)
    per_minute = parse("2/minute")
    assert fixed.hit(per_minute, "a") and fixed.hit(per_minute, "a")
    assert not fixed.hit(per_minute, "a")
    assert moving.hit(per_minute, "b") and moving.hit(per_minute, "b")
    assert not moving.hit(per_minute, "b")

    storage._MemoryStorage__expire_events()
    assert not fixed.test(per_minute, "a")
    assert not moving.test(per_minute, "b")

    clock.shift(61)
    storage._MemoryStorage__expire_events()
    assert storage.storage == {} and storage.expirations == {}
    assert storage.events == {}
    assert fixed.hit(per_minute, "a") and moving.hit(per_minute, "b")
