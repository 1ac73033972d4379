# Logical names (OBIS codes) of the objects this meter exposes, in one place
# for the server and the PC tools. Standard codes from the DLMS UA OBIS list as
# used by Gurux (dlms.md 1 item 6, 7.1-7.4); 0.128.x codes are manufacturer
# specific (value group B = 128), used where no standard object exists.


def ln(a, b, c, d, e, f=255):
    return bytes((a, b, c, d, e, f))


ASSOCIATION_LN = ln(0, 0, 40, 0, 0)  # class 15, the current association
SAP_ASSIGNMENT = ln(0, 0, 41, 0, 0)  # class 17
LOGICAL_DEVICE_NAME = ln(0, 0, 42, 0, 0)  # class 1
DEVICE_ID = ln(0, 0, 96, 1, 0)  # class 1, Device ID 1 (serial): the DRN
MANUFACTURER = ln(0, 0, 96, 1, 1)  # class 1, Device ID 2: manufacturer name
CLOCK = ln(0, 0, 1, 0, 0)  # class 8
SECURITY_SETUP = ln(0, 0, 43, 0, 0)  # class 64
INVOCATION_COUNTER = ln(0, 0, 43, 1, 0)  # class 1, server IC read before ciphering
HDLC_SETUP = ln(0, 0, 22, 0, 0)  # class 23
IEC_LOCAL_PORT_SETUP = ln(0, 0, 20, 0, 0)  # class 19, the optical port
ACTIVE_ENERGY_IMPORT = ln(1, 0, 1, 8, 0)  # class 3, Wh
DISCONNECT_CONTROL = ln(0, 0, 96, 3, 10)  # class 70
ACCOUNT = ln(0, 0, 19, 0, 0)  # class 111
CREDIT_TOKEN = ln(0, 0, 19, 10, 0)  # class 112, token credit
CREDIT_EMERGENCY = ln(0, 0, 19, 10, 1)  # class 112, emergency credit
TOKEN_GATEWAY = ln(0, 0, 19, 40, 0)  # class 115
MAX_POWER_LIMIT = ln(0, 128, 19, 50, 0)  # class 3, W, set by STS class 2 sub 0
CTS_MODE = ln(0, 128, 96, 50, 0)  # class 1, STS 203-1 CTS test mode register (UUT)
CTS_STATUS = ln(0, 128, 96, 50, 1)  # class 1, CTS state, UUT, timer, exit reason
EVENT_LOG = ln(0, 128, 99, 98, 0)  # class 1, array of recent events
IMAGE_TRANSFER = ln(0, 0, 44, 0, 0)  # class 18, firmware update (docs/update.md)
FIRMWARE_ID = ln(1, 0, 0, 2, 0)  # class 1, active firmware identifier (IEC 62056-6-1, IDIS)
FIRMWARE_SIGNATURE = ln(1, 0, 0, 2, 8)  # class 1, active firmware signature
FIRMWARE_VERSION = ln(0, 0, 0, 2, 1)  # class 1, active firmware version
STS_ATTRIBUTES = ln(0, 128, 96, 51, 0)  # class 1, STS status (not the STS 201-2 class)
# Profiles and event logs (class 7), in meter.recorder's order: IDIS/DSMR codes for the
# standard, fraud detection, disconnector control and power failure logs, the load
# profile and the billing profile; 0.128 for the token/credit and security logs
PROFILES = (ln(0, 0, 99, 98, 0), ln(0, 0, 99, 98, 1), ln(0, 0, 99, 98, 2), ln(1, 0, 99, 97, 0),
            ln(0, 128, 99, 98, 1), ln(0, 128, 99, 98, 2), ln(1, 0, 99, 1, 0), ln(0, 0, 98, 1, 0))
# class 1 objects that profile columns name (binding.profiles.Column): the event
# code of each event log (its newest row's), the load profile's AMR status of the
# running interval, the newest power failure's duration (s), and the token log's newest
# STS result, amount (credit register units) and TID
COLUMN_OBJECTS = (ln(0, 0, 96, 11, 0), ln(0, 0, 96, 11, 1), ln(0, 0, 96, 11, 2),
                  ln(0, 128, 96, 11, 3), ln(0, 128, 96, 11, 4), ln(0, 128, 96, 11, 5),
                  ln(0, 0, 96, 10, 1), ln(0, 0, 96, 7, 19),
                  ln(0, 128, 19, 40, 1), ln(0, 128, 19, 40, 2), ln(0, 128, 19, 40, 3))
ENERGY_SINCE_TOKEN = ln(1, 128, 1, 8, 0)  # class 3, Wh consumed since the last credit token


def to_text(name):
    """b'\\x00\\x00\\x13\\x28\\x00\\xff' -> '0.0.19.40.0.255'."""
    return ".".join(str(b) for b in name)
