# Captured HDLC frames, copied from shared/spec/dlms.md (section cited per
# frame). [W] = observed on the wire between gurux-dlms / dlms-cosem and the
# Gurux C reference server. Shared by the portable and the CPython tests.


def h(text):
    """bytes from hex text with spaces."""
    s = text.replace(" ", "").replace("\n", "")
    return bytes(int(s[i:i + 2], 16) for i in range(0, len(s), 2))


# Appendix A: public client 16 <-> Gurux C, server logical 1 (1-byte address)
A_SNRM = h("7E A0 07 03 21 93 0F 01 7E")
A_UA = h("7E A0 1E 21 03 73 C3 7A 81 80 12 05 01 80 06 01 80 07 04 00 00 00 01"
         " 08 04 00 00 00 01 53 3B 7E")
A_AARQ = h("7E A0 2B 03 21 10 FB AF E6 E6 00 60 1D A1 09 06 07 60 85 74 05 08 01 01"
           " BE 10 04 0E 01 00 00 00 06 5F 1F 04 00 40 1E 5D FF FF 91 23 7E")
A_AARE = h("7E A0 37 21 03 30 6C 7C E6 E7 00 61 29 A1 09 06 07 60 85 74 05 08 01 01"
           " A2 03 02 01 00 A3 05 A1 03 02 01 00 BE 10 04 0E 08 00 06 5F 1F 04 00"
           " 00 00 18 02 00 00 07 3C B0 7E")
A_GET_LDN = h("7E A0 19 03 21 32 6F D8 E6 E6 00 C0 01 C1 00 01 00 00 2A 00 00 FF 02 00"
              " 12 80 7E")
A_GET_LDN_RESP = h("7E A0 22 21 03 52 8E 91 E6 E7 00 C4 01 C1 00 09 10 47 52 58 30 30"
                   " 30 30 30 30 30 31 32 33 34 35 36 8C 86 7E")
A_GET_MISSING = h("7E A0 19 03 21 F8 39 B1 E6 E6 00 C0 01 C1 00 01 00 00 60 01 09 FF"
                  " 02 00 EA 59 7E")
A_GET_MISSING_RESP = h("7E A0 11 21 03 BE D3 D5 E6 E7 00 C4 01 C1 01 03 73 82 7E")
A_GET_OBJLIST = h("7E A0 19 03 21 76 4F DC E6 E6 00 C0 01 C1 00 0F 00 00 28 00 00 FF"
                  " 02 00 91 53 7E")
A_SEGMENT_HEADER = h("A8 86 21 03 96")  # first segment of the object list ...
A_SEGMENT_HCS = h("57 9B")  # ... and its HCS
A_RR = h("7E A0 07 03 21 91 1D 22 7E")  # RR N(R)=4
A_GET_NEXT = h("7E A0 13 03 21 F8 97 6D E6 E6 00 C0 02 C1 00 00 00 01 51 BE 7E")
A_DISC_BEFORE_SNRM = h("7E A0 07 03 21 53 03 C7 7E")
A_DM = h("7E A0 07 21 03 1F 6B E9 7E")

# Section 2.5: an SNRM information field proposing 512/512, windows 1/1
SNRM_PARAMS_512 = h("81 80 14 05 02 02 00 06 02 02 00 07 04 00 00 00 01 08 04 00 00"
                    " 00 01")

# Section 2.8: gurux-dlms client SAP 17 (LLS "Gurux") <-> Gurux C, server 1
S_SNRM = h("7E A0 07 03 23 93 BF 32 7E")
S_UA = h("7E A0 1E 23 03 73 7B CF 81 80 12 05 01 80 06 01 80 07 04 00 00 00 01 08"
         " 04 00 00 00 01 53 3B 7E")
S_AARQ = h("7E A0 41 03 23 10 01 D9 E6 E6 00 60 33 A1 09 06 07 60 85 74 05 08 01 01"
           " 8A 02 07 80 8B 07 60 85 74 05 08 02 01 AC 07 80 05 47 75 72 75 78 BE"
           " 10 04 0E 01 00 00 00 06 5F 1F 04 00 40 1E 5D FF FF B9 EB 7E")
S_AARE = h("7E A0 37 23 03 30 D4 C9 E6 E7 00 61 29 A1 09 06 07 60 85 74 05 08 01 01"
           " A2 03 02 01 00 A3 05 A1 03 02 01 00 BE 10 04 0E 08 00 06 5F 1F 04 00"
           " 00 1E 1D 02 00 00 07 7A ED 7E")
S_RLRQ = h("7E A0 11 03 23 10 17 0C E6 E6 00 62 03 80 01 00 BD 9B 7E")
S_RLRE = h("7E A0 11 23 03 30 1D 0D E6 E7 00 63 03 80 01 00 2C 0F 7E")
S_DISC = h("7E A0 07 03 23 53 B3 F4 7E")

# Section 2.4: the worked SNRM and I-frame (same bytes as A_SNRM / A_GET_LDN)

# Appendix B: HLS-GMAC session, client 1 (address 03) <-> server 1 (03)
B_AARQ = h("7E A0 6B 03 03 10 CF A9 E6 E6 00 60 5D A1 09 06 07 60 85 74 05 08 01 03"
           " A6 0A 04 08 41 42 43 44 45 46 47 48 8A 02 07 80 8B 07 60 85 74 05 08"
           " 02 05 AC 12 80 10 86 59 AC C0 C1 64 E1 7D 84 68 06 7C 9B 94 7D 7E BE"
           " 23 04 21 21 1F 30 00 00 00 C8 B5 EE 6B 13 13 EE AF 31 3E EB 57 4D D4"
           " 22 7D 84 2B 4C F6 77 28 0D 7B 0F 80 79 60 AD 7E")
B_AARE = h("7E A0 77 03 03 30 58 DC E6 E7 00 61 69 A1 09 06 07 60 85 74 05 08 01 03"
           " A2 03 02 01 00 A3 05 A1 03 02 01 0E A4 0A 04 08 41 42 43 44 45 46 47"
           " 48 88 02 07 80 89 07 60 85 74 05 08 02 05 AA 12 80 10 91 C8 E4 72 39"
           " 1C 8E 47 A3 D1 E8 74 BA DD 6E 37 BE 23 04 21 28 1F 30 00 00 00 0B F8"
           " 3F E8 19 71 1D B4 C7 EA 72 1F 8F 04 8F C1 D1 0A A3 CE B6 4D 6A 50 1A"
           " 45 15 DB E2 7E")

# Every complete frame above, for CRC and parser checks.
ALL_FRAMES = (
    A_SNRM, A_UA, A_AARQ, A_AARE, A_GET_LDN, A_GET_LDN_RESP, A_GET_MISSING,
    A_GET_MISSING_RESP, A_GET_OBJLIST, A_RR, A_GET_NEXT, A_DISC_BEFORE_SNRM, A_DM,
    S_SNRM, S_UA, S_AARQ, S_AARE, S_RLRQ, S_RLRE, S_DISC, B_AARQ, B_AARE,
)


def apdu_of(frame):
    """The APDU inside a captured single-frame I-frame with 1-byte addresses
    (after flag, format, 2 addresses, control, HCS and the 3 LLC bytes)."""
    return frame[11:-3]
