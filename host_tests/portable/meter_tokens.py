# Real STS tokens for the portable meter tests, precomputed with sts.vend
# (host_tests/test_meter_tokens.py re-makes every one from SPECS and compares).
# SPECS: name -> (ea, decoder key hex, class, sub-class, vend keywords).
K1 = "e653341f9d5bf36f"  # dk-001: DKGA02, PAN ...009, SGC 123456, TI 01 = UUT 1 on DRN 00000000000
K_TI2 = "060b8643c59a27f1"  # dk-003: the same with TI 02

SPECS = {
    "credit500": (7, K1, 0, 0, {"tid": 500, "value": 123}),
    "wrongkey": (7, "0000000000000000", 0, 0, {"tid": 5, "value": 10}),
    "credit10": (7, K1, 0, 0, {"tid": 10, "value": 1000}),
    "mpl11": (7, K1, 2, 0, {"tid": 11, "value": 2000}),
    "cleartamper12": (7, K1, 2, 5, {"tid": 12}),
    "clearcredit13": (7, K1, 2, 1, {"tid": 13, "value": 0}),
    "test1": (7, None, 1, 0, {"control": 1, "mfrcode": 0}),
    "kct1": (7, K1, 2, 3, {"part": 0, "new_key": K_TI2, "kt": 2, "krn": 1, "ti": 2, "ken": 255, "ro": 0}),
    "kct2": (7, K1, 2, 3, {"part": 1, "new_key": K_TI2, "kt": 2, "krn": 1, "ti": 2, "ken": 255, "ro": 0}),
    "newkey20": (7, K_TI2, 0, 0, {"tid": 20, "value": 7}),
    "credit30": (7, K1, 0, 0, {"tid": 30, "value": 6}),
    "credit31": (7, K1, 0, 0, {"tid": 31, "value": 5}),
    "water40": (7, K1, 0, 1, {"tid": 40, "value": 5}),
}
# one credit token (TID 1000, 5.0 kWh) per CTS UUT profile and reserved DRN
_UUT_KEYS = {
    (1, "00000000000"): (7, "e653341f9d5bf36f"), (1, "0100000000008"): (7, "e94023262e9993c2"),
    (2, "00000000000"): (11, "f94b6ed353c3bfdb113e2d3a7ea3c41d"),
    (2, "0100000000008"): (11, "290e2626f5a0d106aad1aab6411589df"),
    (3, "00000000000"): (7, "aa4baa8749c10d27"), (3, "0100000000008"): (7, "59dccd9a764663aa"),
    (4, "00000000000"): (11, "daa892189d08e738dfded73924c87f32"),
    (4, "0100000000008"): (11, "e96576b2a8ec067d08f200961eaa11a7"),
}
for (_u, _d), (_ea, _k) in _UUT_KEYS.items():
    SPECS["uut%d_%s" % (_u, _d)] = (_ea, _k, 0, 0, {"tid": 1000, "value": 50})

# bench_meter.py: ten 50.0 kWh tokens and one keypad token (UUT 1 key)
for _t in range(1000, 1010):
    SPECS["b%d" % _t] = (7, K1, 0, 0, {"tid": _t, "value": 500})
SPECS["b2000"] = (7, K1, 0, 0, {"tid": 2000, "value": 100})
# heap_session.py: a keypad and a remote 10.0 kWh token for the development
# meter (provision.DEV_PROVISION: DRN 11111111115, decoder key 9ca1fc37b27dac93)
K_DEV = "9ca1fc37b27dac93"
SPECS["dev_keypad"] = (7, K_DEV, 0, 0, {"tid": 3000, "value": 100})
SPECS["dev_remote"] = (7, K_DEV, 0, 0, {"tid": 3001, "value": 100})
# test_store_damage.py: more 10.0 kWh tokens for the development meter
SPECS["dev_3002"] = (7, K_DEV, 0, 0, {"tid": 3002, "value": 100})
SPECS["dev_3003"] = (7, K_DEV, 0, 0, {"tid": 3003, "value": 100})

TOKENS = {
    "credit500": "43898688467767467245",
    "wrongkey": "59250267472890578234",
    "credit10": "68739436221656048174",
    "mpl11": "54196122145654546457",
    "cleartamper12": "64280269190266330716",
    "clearcredit13": "51705249985127705067",
    "test1": "00000000000150997584",
    "kct1": "51638423060042734509",
    "kct2": "15361891762113502242",
    "newkey20": "71046184001104085756",
    "credit30": "44547764147885562064",
    "credit31": "06874342958129418029",
    "water40": "25335154340388641139",
    "uut1_00000000000": "25972364710510110649",
    "uut1_0100000000008": "45414182245052172582",
    "uut2_00000000000": "16863521026061367648",
    "uut2_0100000000008": "26027353644477667356",
    "uut3_00000000000": "56295927459089056934",
    "uut3_0100000000008": "40086227270416226023",
    "uut4_00000000000": "07686170807114807198",
    "uut4_0100000000008": "45035025936461728985",
    "b1000": "38380580866223358333",
    "b1001": "59891756575424619755",
    "b1002": "38288902515086384675",
    "b1003": "29785502585437086638",
    "b1004": "43943615666623523806",
    "b1005": "41878169687575933277",
    "b1006": "31161919824185959727",
    "b1007": "40993066278732545606",
    "b1008": "21498243574607530698",
    "b1009": "58217563518641690409",
    "b2000": "40008189059963674879",
    "dev_keypad": "51352474199720836649",
    "dev_remote": "11063480517346926196",
    "dev_3002": "55767691090310511504",
    "dev_3003": "52201951837780894937",
}
