# The meter's COSEM object list and its DLMS server (docs/dlms.md). The list
# is data: no code of this module lives on in it, so app.App unloads the
# module once the server is built (docs/benchmarks.md, heap).


def objects(meter, formats=None, reject_is_error=False, firmware=None, keypad=None,
            manufacturer="", clock=None, profiles=None):
    """The meter's object list (docs/dlms.md): the logical device's own
    objects and the prepayment objects bound to `meter` (meter.meter.Meter).
    formats: token encodings the gateway accepts (None: all); reject_is_error:
    a refused token is also action-result other-reason (docs/dlms.md);
    firmware: what offers firmware_info() and image_store() (app.App;
    docs/update.md), or None for a meter without the update objects;
    keypad: the meter.keypad.Keypad whose lock-out the STS attributes show
    (None: no keypad); manufacturer: the name published as Device ID 2;
    clock: the meter's real-time clock (meter.realtime.RealTime; None: one
    that reads 2000-01-01); profiles: callable -> the meter.recorder.Recorder
    (app.App.recorder) of the profiles and event logs (binding.profiles),
    None for a meter without them.
    The token gateway is made now (app.App shows the last token through it);
    the others are entries (class_id, ln, module, class, args) that dlms.cosem.ObjectModel
    makes on first access, so their code loads only when a client reads them."""
    from dlms import obis
    from binding.prepayment import TokenGateway
    oc, mo, ao = "dlms.obj_common", "binding.meter_objects", "binding.account_objects"
    fa = "binding.facts"  # a single fact: no more than dlms.obj_data loads with it
    if clock is None:
        from meter.realtime import RealTime
        clock = RealTime(lambda: 0)
    objs = [
        (15, obis.ASSOCIATION_LN, "dlms.association_ln", "AssociationLN", ()),
        (17, obis.SAP_ASSIGNMENT, oc, "SapAssignment", ()),
        (1, obis.LOGICAL_DEVICE_NAME, fa, "Fact", ("ldn",)),
        (1, obis.DEVICE_ID, fa, "Fact", ("drn", meter)),
        (1, obis.MANUFACTURER, fa, "Fact", ("manufacturer", manufacturer)),
        (8, obis.CLOCK, oc, "Clock", (clock,)),
        (64, obis.SECURITY_SETUP, oc, "SecuritySetup", ()),
        (1, obis.INVOCATION_COUNTER, fa, "Fact", ("ic",)),
        (23, obis.HDLC_SETUP, oc, "HdlcSetup", ()),
        (19, obis.IEC_LOCAL_PORT_SETUP, oc, "IecLocalPortSetup", ()),
        (3, obis.ACTIVE_ENERGY_IMPORT, fa, "FactRegister", ("energy", meter, 0, 30)),  # Wh
        (3, obis.MAX_POWER_LIMIT, fa, "FactRegister", ("mpl", meter, 0, 27)),  # W
        (70, obis.DISCONNECT_CONTROL, mo, "DisconnectControl", (meter,)),
        (111, obis.ACCOUNT, ao, "Account", (meter, (obis.CREDIT_TOKEN, obis.CREDIT_EMERGENCY))),
        (112, obis.CREDIT_TOKEN, ao, "Credit", (meter,)),
        (112, obis.CREDIT_EMERGENCY, ao, "Credit", (meter, True)),
        TokenGateway(obis.TOKEN_GATEWAY, meter, formats, reject_is_error, clock),
        (1, obis.CTS_MODE, mo, "CtsMode", (meter,)),
        (1, obis.CTS_STATUS, mo, "CtsStatus", (meter,)),
        (1, obis.EVENT_LOG, mo, "EventLog", (meter,)),
        (1, obis.STS_ATTRIBUTES, "binding.sts_attributes", "StsAttributes", (meter, keypad)),
    ]
    if getattr(meter, "payment", None) is not None:  # tariffs, charges (docs/payment.md)
        from binding import payment
        objs += payment.objects(meter)
    if firmware is not None:
        objs += [
            (1, obis.FIRMWARE_ID, fa, "Fact", ("firmware id", firmware)),
            (1, obis.FIRMWARE_SIGNATURE, fa, "Fact", ("firmware signature", firmware)),
            (1, obis.FIRMWARE_VERSION, fa, "Fact", ("firmware version", firmware)),
            (18, obis.IMAGE_TRANSFER, oc, "ImageTransfer", (firmware.image_store,)),
        ]
    if profiles is not None:
        pr, args = "binding.profiles", (profiles,)  # group entries, one args tuple (heap)
        objs += [(7, b"".join(obis.PROFILES), pr, "profile", args),
                 (1, b"".join(obis.COLUMN_OBJECTS), pr, "Column", args)]
        objs.append((3, obis.ENERGY_SINCE_TOKEN, pr, "energy_since_token", (meter,)))
    return objs


def dlms_server(meter, config, formats=None, reject_is_error=False, firmware=None, keypad=None,
                manufacturer="", clock=None, profiles=None, **kw):
    """The DLMS server of `meter`: objects() and the logical device name
    "STS" + DRN; config is a dlms.association.ServerConfig (provision.dlms_config),
    kw go to dlms.server.DlmsServer (store, hdlc_addresses, ...)."""
    from dlms.server import DlmsServer
    ldn = (b"STS" + meter.sts.drn.encode())[:16]
    return DlmsServer(config, objects(meter, formats, reject_is_error, firmware, keypad,
                                      manufacturer, clock, profiles), ldn, **kw)
