"""The fleet's consumption model: what each virtual meter's household draws.

A household n of a model with seed s draws, at wall-clock second t (seconds
since 2000, UTC), base_w + peak_w x shape(time of day + shift) x (1 + noise):

  base_w   60..250 W (fridge, standby), peak_w 300..1500 W, shift -1..+1 h:
           drawn once per household from random.Random((s, n));
  shape    DAILY_SHAPE below, hourly permille of the peak, linear in between:
           an illustrative evening-peak household (made up for the model, not
           taken from a standard or a measured data set);
  noise    -20..+20 %, a hash of (s, n, t // step_s): the same for a given
           step, whenever and how often it is asked for.

Everything is a pure function of (seed, n, t) -- no generator state moves on
per step -- so a meter advanced step by step as it runs and a meter advanced
in one burst when it is first addressed meter exactly the same energy
(tools/pctools/fleet.py, host_tests/test_fleet.py). Integers only.
"""
import random

# permille of the peak at each hour 0..23 (local time of the household)
DAILY_SHAPE = (150, 120, 100, 100, 100, 150, 350, 600, 550, 400, 350, 350,
               400, 380, 350, 350, 450, 650, 900, 1000, 950, 800, 550, 300)
NOISE_PERMILLE = 200
_M32 = 0xFFFFFFFF


def _mix(a, b, c):
    """A 32-bit hash of three integers (murmur3's finaliser over a sum)."""
    x = (a * 0x9E3779B1 + b * 0x85EBCA77 + c * 0xC2B2AE3D) & _M32
    x ^= x >> 16
    x = (x * 0x7FEB352D) & _M32
    x ^= x >> 15
    x = (x * 0x846CA68B) & _M32
    return x ^ (x >> 16)


class Household:
    """One meter's demand; `power(t)` in W at wall-clock second t."""
    __slots__ = ("seed", "n", "base_w", "peak_w", "shift_s", "credit_units", "step_s")

    def __init__(self, seed, n, credit_kwh, step_s):
        r = random.Random("%d/%d" % (seed, n))
        self.seed = seed
        self.n = n
        self.base_w = r.randint(60, 250)
        self.peak_w = r.randint(300, 1500)
        self.shift_s = r.randint(-3600, 3600)
        # first credit of a new meter, 0.1 kWh units: 0.2 .. 1.8 x the mean
        self.credit_units = int(credit_kwh * 10 * r.uniform(0.2, 1.8))
        self.step_s = step_s

    def power(self, t):
        tod = (t + self.shift_s) % 86400
        h, into = divmod(tod, 3600)
        a = DAILY_SHAPE[h]
        shape = a + (DAILY_SHAPE[(h + 1) % 24] - a) * into // 3600
        noise = _mix(self.seed, self.n, t // self.step_s) % (2 * NOISE_PERMILLE + 1) \
            - NOISE_PERMILLE
        return self.base_w + self.peak_w * shape * (1000 + noise) // 1000000


class LoadModel:
    """The households of a fleet: `household(n)` for meter n. step_s is the
    metering step (meter seconds) the fleet advances meters by."""

    def __init__(self, seed=1, credit_kwh=30, step_s=60):
        if step_s < 1:
            raise ValueError("step must be at least 1 s")
        self.seed = seed
        self.credit_kwh = credit_kwh
        self.step_s = step_s

    def household(self, n):
        return Household(self.seed, n, self.credit_kwh, self.step_s)
