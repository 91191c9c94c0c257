"""How long a test may block before its watchdog fails it instead of hanging the suite."""

WATCHDOG_SECONDS = 30


class Hung(Exception):
    """The watchdog fired: the code under test blocked."""
