# Portable: the shared civil calendar (firmware/civil.py).
from civil import days_from_civil, civil_from_days, weekday


def test_known_days():
    assert days_from_civil(2000, 1, 1) == 0
    assert days_from_civil(2000, 3, 1) == 60  # 2000 is a leap year
    assert days_from_civil(1993, 1, 1) == -2556
    assert days_from_civil(2014, 1, 1) == 5114
    assert days_from_civil(2035, 1, 1) == 12784
    assert civil_from_days(-2556) == (1993, 1, 1)
    assert civil_from_days(59) == (2000, 2, 29)
    assert civil_from_days(36524) == (2099, 12, 31)


def test_round_trip_every_day_of_a_century():
    for z in range(-3000, 40000, 7):
        y, m, d = civil_from_days(z)
        assert days_from_civil(y, m, d) == z


def test_weekday():
    assert weekday(0) == 6  # 2000-01-01 Saturday
    assert weekday(days_from_civil(2026, 11, 22)) == 7  # a Sunday
    assert weekday(days_from_civil(1993, 1, 1)) == 5  # a Friday
