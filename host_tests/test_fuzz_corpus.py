"""Replays host_tests/data/fuzz-corpus.tsv: the inputs that broke the meter
(issue 12: the IC 0xFFFFFFFF request, frames over the receive limit, damaged
store files, a 21-digit entry, ...) and the outcome each must have now. A new
break gets a row here with the outcome its fix gives."""
import os

import pytest

import vocab
from dlmsdata import apdu
from hdlc_testclient import Client, frames_in

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.join(HERE, "data", "fuzz-corpus.tsv")


def rows():
    with open(CORPUS, encoding="utf-8") as f:
        lines = [l.rstrip("\n") for l in f if l.strip() and not l.startswith("#")]
    head = lines[0].split("\t")
    return [dict(zip(head, l.split("\t"))) for l in lines[1:]]


def _hex(s):
    return bytes.fromhex(s.replace(" ", ""))


def _server():
    from test_dlms_server import new_server
    return new_server()[0]


def run_hdlc(inp):
    """Frames (hex, '|' between) after SNRM from the public client; the kinds
    of the frames answered to the last one."""
    from dlms import hdlc_frame as hf
    s, cl = _server(), Client(16)
    s.receive_data(cl.snrm(), 0)
    s.data_to_send()
    names = {hf.FRMR: "FRMR", hf.UA: "UA", hf.DM: "DM", hf.RR: "RR", hf.I: "I", hf.RNR: "RNR"}
    out = []
    for frame in inp.split("|"):
        s.receive_data(_hex(frame), 0)
        out = [names.get(f.kind, "?") for f in frames_in(s.data_to_send())]
    return " ".join(out) or "-"


def run_ic(inp):
    """A ciphered GET of the token status at invocation counter `inp` (hex)
    after a management association at 0x10; then one at the next usable IC."""
    from test_dlms_server import GW, _call, _open
    s = _server()
    g = _open(s, 0x10)
    status = b"\xc0\x01\xc1" + GW + b"\x06\x00"
    first = _call(s, g, status, int(inp, 16))
    then = _call(s, g, status, s.expected_ic(1))
    return "%s then %s" % (first.hex(), then[:4].hex())


def run_keypad(inp):
    import meter_fakes as f
    from meter import keypad as kp
    m = f.new_meter()
    pad = kp.Keypad(m, m.display)
    code = None
    for k in inp:
        code = pad.key(k, 0)
    return "%d credit %d" % (code, m.account.credit[0])


def run_store(inp):
    """Slot files a|b (hex; '-' missing) -> what StateStore.load makes of them."""
    import meter_ramfs
    from store.state import StateStore
    from store.fs import StoreCorruptError
    fs = meter_ramfs.RamFs()
    fs.mkdir("/m")
    for name, data in zip("ab", inp.split("|")):
        if data != "-":
            fs.files["/m/" + name] = _hex(data)
    st = StateStore(fs, "/m")
    try:
        d = st.load()
    except StoreCorruptError:
        return "corrupt"
    return "fresh" if d is None else "seq %d%s" % (st.seq, " recovered" if st.recovered else "")


def run_codec(inp):
    from store import codec
    try:
        codec.decode(_hex(inp))
        return "decoded"
    except codec.CodecError:
        return "CodecError"


def run_token(inp):
    from meter.meter import Meter
    import meter_rig as r
    import provision
    m = Meter({}, r.Store(), provision.sts_state(None), r.Clock(), r.Relay(), r.Display(),
              r.EventLog())
    return str(m.enter_token(inp, vocab.REMOTE)[0])


RUN = {"hdlc": run_hdlc, "ic": run_ic, "keypad": run_keypad, "store": run_store,
       "codec": run_codec, "token": run_token}


@pytest.mark.parametrize("row", rows(), ids=lambda r: r["kind"] + ":" + r["name"])
def test_corpus(row):
    assert RUN[row["kind"]](row["input"]) == row["expect"], row["why"]


def test_the_corpus_covers_every_kind():
    assert {r["kind"] for r in rows()} == set(RUN) and len(rows()) >= 20
    assert apdu("rlrq")  # the DLMS captures the server helpers use are there
