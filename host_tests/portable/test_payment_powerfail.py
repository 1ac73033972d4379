# mp-heap: 176k
# mp32-skip: all: blockdev.RamDisk mounts os.VfsLfs2 (littlefs), which the WebAssembly port does not have
# Portable fault injection for the payment commits (issue 14 item 7; meter.payment,
# docs/payment.md), on the rig of test_meter_powerfail (littlefs on a RAM flash
# that loses power at the k-th flash operation): a monthly standing charge
# collected at the billing period change, a 20 % debt recovery taken from a
# currency token, consumption priced by a charge, closing the account, and
# Charge method 3 collect (the elapsed part of a month taken early). Fake
# tokens (class 0 sub-class 4: currency) on both interpreters: the commit is
# under test here. After every cut money is conserved in the durable record
# and nothing is collected twice, also when closing the account collects. The
# RAM flash, the meter and the payment modules need a little more than the
# 128k cap on the 64-bit unix port. Each cut rebuilds the meter in the same
# interpreter (a board's reset would clear its heap), so the heap fragments as
# modules load and unload: at 136k and 144k the rebuild or a token met
# MemoryError depending on the heap layout (checkout path, firmware size);
# 160k passed every layout measured, 176k leaves room.
import blockdev
from test_meter_powerfail import Rig, DRN, every_cut
from meter.meter import Meter
from store.state import StateStore
from store.eventlog import EventLog
import vocab
import meter_fakes as f

PAY_CFG = {
    "process": f.process, "effect": f.Effect, "commit_wh": 500, "commit_interval_s": 600,
    "account": {"registers": (4,), "credit_register": 4, "low_credit": 0},
    "payment": {"charges": [
        {"type": 1, "period": 0, "unit": [0, 0, 3, [[0, 8500]]]},  # 85.00 a month
        {"type": 2, "config": 1, "proportion": 2000, "remaining": 15000000,
         "unit": [0, 0, 0, []]},  # 150.00 debt, 20 % of each payment
        {"type": 0, "unit": [1, -3, 1, [[0, 12345]]]},  # 1.2345 a kWh
    ]},
}
DEBT = 15000000
MARCH = 828230400  # 2026-03-31 00:00 local, seconds since 2000
APRIL = MARCH + 86400
MARCH_S = 31 * 86400  # the billing period's length


class PayRig(Rig):
    def __init__(self, name):
        Rig.__init__(self, name)
        self.local = MARCH

    def meter(self):
        store = StateStore(self.fs, "/m" + self.name)
        log = EventLog(self.fs, "/e" + self.name, 12)
        m = Meter(PAY_CFG, store, f.StsState(DRN), self.clock, f.Relay(), f.Display(), log)
        m.payment.clock = lambda: self.local
        return m

    def funded(self, tid):
        """A meter with a 300.00 ZAR token (TID tid) accepted, ticked once:
        March's billing period has begun. 20 % of the token paid the debt."""
        m = self.meter()
        self.values[tid] = 30000000
        assert m.enter_token(f.make(0, 4, tid, 30000000), vocab.REMOTE)[0] == vocab.ACCEPT
        m.tick()
        return m

    def check(self, m, durable, pending=None):
        """Money is conserved in the durable record: the credit is what the
        durable tokens brought minus what every charge was paid; the debt
        charge's paid + remaining is the debt; the standing charge was paid
        once per billing period change it saw, and in March the part of it
        that collect took (ch[0][13] seconds of the month)."""
        d = StateStore(self.fs, "/m" + self.name).load()
        tids = d["sts"]["tids"]
        if pending is not None and pending in tids and pending not in durable:
            durable.append(pending)
        for tid in durable:
            assert tid in tids, "accepted token lost: %d" % tid
        paid = [c[8] for c in d["pay"]["ch"]]
        brought = 0
        for tid in tids:
            brought += self.values[tid]
        assert d["acct"]["c"][4] == brought - sum(paid), (d["acct"]["c"][4], brought, paid)
        assert paid[1] + d["pay"]["ch"][1][11] == DEBT
        assert paid[0] == 8500000 * (d["pay"]["p"] - 314) + \
            8500000 * d["pay"]["ch"][0][13] // MARCH_S, paid  # 314: March 2026
        assert m.account.credit[4] == d["acct"]["c"][4]
        return tids


def test_cut_at_every_flash_operation_of_a_charge_collection():
    # a standing charge falls due at the April billing period change: after a cut
    # at any flash operation of that commit it is collected exactly once
    def run(k, tear):
        rig = PayRig("c")
        m = rig.funded(20)
        m.consume(2000)
        rig.local = APRIL + 5
        clean = rig.cut(k, tear, m.tick)[1]
        m = rig.reboot()
        rig.check(m, [20])
        m.tick()  # collects now if the cut came before the commit, never twice
        m.tick()
        rig.check(m, [20])
        assert m.payment.charges[0].paid == 8500000 and m.payment.period == 315
        return clean
    every_cut((blockdev.TEAR_NONE, blockdev.TEAR_GARBLE), run)


def test_cut_at_every_flash_operation_of_a_token_with_debt_recovery():
    def run(k, tear):
        rig = PayRig("d")
        m = rig.meter()
        m.tick()
        rig.values[21] = 20000000
        text = f.make(0, 4, 21, 20000000)
        result, clean = rig.cut(k, tear, m.enter_token, text, vocab.REMOTE)
        ok = result is not None and result[0] == vocab.ACCEPT
        m = rig.reboot()
        tids = rig.check(m, [21] if ok else [], 21)
        # 200.00 once: 40.00 to the debt, or nothing when the cut kept it out
        assert m.account.credit[4] == (16000000 if 21 in tids else 0)
        code = m.enter_token(text, vocab.REMOTE)[0]
        assert code == (vocab.USED if 21 in tids else vocab.ACCEPT)
        rig.check(m, [21])
        assert m.account.credit[4] == 16000000 and m.payment.charges[1].remaining == 11000000
        return clean
    every_cut((blockdev.TEAR_NONE, blockdev.TEAR_HALF), run)


def test_cut_at_every_flash_operation_of_closing_the_account():
    # close_account on 1 Apr collects April's standing charge first, in the same commit:
    # after a cut the account is either still active with nothing collected, or closed
    # with it collected once; closing again (when it was not) collects it once
    from meter.account import ACTIVE, CLOSED
    from meter.account_status import set_status
    def run(k, tear):
        rig = PayRig("c")
        m = rig.funded(22)
        rig.local = APRIL + 5
        m.localtime = m.payment.clock
        clean = rig.cut(k, tear, set_status, m, CLOSED)[1]
        m = rig.reboot()
        rig.check(m, [22])
        closed = m.account.status == CLOSED
        assert closed or (m.account.status == ACTIVE and m.payment.charges[0].paid == 0)
        m.localtime = m.payment.clock
        assert set_status(m, CLOSED) != closed
        m.tick()
        rig.check(m, [22])
        assert m.account.status == CLOSED and m.account.closed == APRIL + 5
        assert m.payment.charges[0].paid == 8500000 and m.account.credit[4] == 30000000 - \
            6000000 - 8500000  # 20 % of the token to the debt, then April
        return clean
    every_cut((blockdev.TEAR_NONE, blockdev.TEAR_GARBLE), run)


def test_cut_at_every_flash_operation_of_a_collect():
    # Charge method 3 collect on 31 Mar 12:00 takes 30.5 of March's 31 days of the
    # standing charge: 8500000 x 2635200 / 2678400 = 8362903.2 -> 8362903. After a cut
    # it is taken once or not at all; collecting again at the same time takes nothing
    # more (or all of it), and 1 Apr takes the rest, 137097: March cost 85.00 once
    def collect(m):
        return m.change(lambda a, p: p.collect(a, 0, p.now()))
    def run(k, tear):
        rig = PayRig("k")
        m = rig.funded(23)
        rig.local = MARCH + 12 * 3600
        clean = rig.cut(k, tear, collect, m)[1]
        m = rig.reboot()
        rig.check(m, [23])
        c = m.payment.charges[0]
        assert (c.paid, c.part) in ((0, 0), (8362903, 30 * 86400 + 43200))
        assert collect(m)
        rig.check(m, [23])
        assert m.payment.charges[0].paid == 8362903
        rig.local = APRIL + 5
        m.tick()
        rig.check(m, [23])
        assert m.payment.charges[0].paid == 8500000 and m.payment.charges[0].part == 0
        assert m.account.credit[4] == 30000000 - 6000000 - 8500000
        return clean
    every_cut((blockdev.TEAR_NONE, blockdev.TEAR_GARBLE), run)
