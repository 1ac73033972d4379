# Portable: SNRM/UA parameter negotiation, dlms.md 2.5.
from dlms import hdlc_params as hp
from hdlc_captures import SNRM_PARAMS_512, A_UA, h


def test_absent_field_means_defaults():
    assert hp.parse(b"") == [128, 128, 1, 1]


def test_parse_the_512_proposal():
    assert hp.parse(SNRM_PARAMS_512) == [512, 512, 1, 1]


def test_parse_value_sizes_and_unknown_ids():
    info = h("81 80 0E 05 01 40 06 04 00 00 01 00 09 01 FF 07 00")
    assert hp.parse(info) == [0x40, 0x100, 0, 1]  # empty value reads as 0


def test_parse_rejects_malformed():
    for bad in (h("81 80"), h("82 80 00"), h("81 80 05 05 01 80"),
                h("81 80 03 05 05 01"), h("81 80 04 05 05 00 00 00 00 00"),
                h("81 80 01 05")):
        assert hp.parse(bad) is None, bad


def test_negotiate_takes_the_minimum_as_gurux_c_does():
    s = hp.Settings()
    assert hp.negotiate(hp.parse(SNRM_PARAMS_512), s) == (128, 128, 1, 1)
    assert hp.negotiate([64, 100, 7, 7], s) == (100, 64, 1, 1)
    big = hp.Settings(max_info_tx=1024, max_info_rx=1024, window_rx=7)
    assert hp.negotiate([512, 256, 3, 7], big) == (256, 512, 1, 3)
    assert hp.negotiate([0, 0, 0, 0], s) == (1, 1, 1, 1)
    assert hp.negotiate([65535, 65535, 1, 1], big) == (1024, 1024, 1, 1)


def test_encode_matches_the_captured_ua():
    assert hp.encode((128, 128, 1, 1)) == A_UA[8:-3]


def test_every_variant_parses_back():
    for values in ((128, 128, 1, 1), (512, 300, 1, 1), (2030, 2030, 1, 7)):
        for v in range(4):
            assert hp.parse(hp.encode(values, v)) == list(values)
