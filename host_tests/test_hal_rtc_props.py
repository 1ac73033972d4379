# CPython: hal.rtc and the host RTC stand-in agree with the standard
# library's calendar for any second from 2000 to 2135.
import calendar
import datetime

from hypothesis import given, settings, strategies as st

from fakes import machine
from hal import rtc

EPOCH_2000 = calendar.timegm((2000, 1, 1, 0, 0, 0))
MAX_T = rtc.to_seconds(2135, 12, 31, 23, 59, 59)


@settings(max_examples=300, deadline=None)
@given(st.integers(min_value=0, max_value=MAX_T))
def test_from_seconds_matches_datetime(t):
    d = datetime.datetime(2000, 1, 1) + datetime.timedelta(seconds=t)
    assert rtc.from_seconds(t) == (d.year, d.month, d.day, d.hour, d.minute, d.second,
                                   d.weekday())
    assert rtc.to_seconds(d.year, d.month, d.day, d.hour, d.minute, d.second) == t


@settings(max_examples=100, deadline=None)
@given(st.integers(min_value=0, max_value=MAX_T))
def test_host_rtc_stand_in_matches_gmtime(t):
    hw = machine.RTC(now=lambda: EPOCH_2000 + t)
    g = datetime.datetime.fromtimestamp(EPOCH_2000 + t, datetime.timezone.utc)
    assert hw.datetime() == (g.year, g.month, g.day, g.weekday(), g.hour, g.minute, g.second, 0)
    clock = rtc.Clock(hw)
    assert clock.now() == t
    clock.set(12345)
    assert clock.now() == 12345
