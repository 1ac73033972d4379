# The binding of the meter to COSEM (issue 11): which COSEM object shows or
# calls which meter fact. dlms/ knows only COSEM; meter/ knows nothing of
# DLMS; this package joins them. The classes are in prepayment.py.


def objects(meter, formats=None, reject_is_error=False, firmware=None):
    """The meter's object list (docs/dlms.md): the logical device's own
    objects and the prepayment objects bound to `meter` (meter.meter.Meter).
    formats: token encodings the gateway accepts (None: all); reject_is_error:
    a refused token is also action-result other-reason (docs/dlms.md);
    firmware: what offers firmware_info() and image_store() (app.App;
    docs/update.md), or None for a meter without the update objects."""
    from dlms import axdr, obis
    from dlms import obj_common as oc
    from binding import prepayment as pp
    objs = [
        oc.AssociationLN(obis.ASSOCIATION_LN),
        oc.SapAssignment(obis.SAP_ASSIGNMENT),
        oc.Data(obis.LOGICAL_DEVICE_NAME, lambda c: (axdr.OCTET_STRING, c.server.ldn)),
        oc.Data(obis.DEVICE_ID, lambda c: (axdr.VISIBLE_STRING, meter.sts.drn.encode())),
        oc.Clock(obis.CLOCK),
        oc.SecuritySetup(obis.SECURITY_SETUP),
        oc.Data(obis.INVOCATION_COUNTER,
                lambda c: (axdr.DOUBLE_LONG_UNSIGNED, c.server.expected_ic(1))),
        oc.HdlcSetup(obis.HDLC_SETUP),
        oc.IecLocalPortSetup(obis.IEC_LOCAL_PORT_SETUP),
        oc.Register(obis.ACTIVE_ENERGY_IMPORT,
                    lambda c: (axdr.DOUBLE_LONG_UNSIGNED, meter.published_energy_wh() & 0xFFFFFFFF),
                    0, 30),
        oc.Register(obis.MAX_POWER_LIMIT,
                    lambda c: (axdr.DOUBLE_LONG_UNSIGNED, meter.account.mpl_w), 0, 27),
        pp.DisconnectControl(obis.DISCONNECT_CONTROL, meter),
        pp.Account(obis.ACCOUNT, meter, (obis.CREDIT_TOKEN, obis.CREDIT_EMERGENCY)),
        pp.Credit(obis.CREDIT_TOKEN, meter),
        pp.Credit(obis.CREDIT_EMERGENCY, meter, emergency=True),
        pp.TokenGateway(obis.TOKEN_GATEWAY, meter, formats, reject_is_error),
        pp.CtsMode(obis.CTS_MODE, meter),
        pp.CtsStatus(obis.CTS_STATUS, meter),
        pp.EventLog(obis.EVENT_LOG, meter),
    ]
    if firmware is not None:
        objs += [
            oc.Data(obis.FIRMWARE_ID, lambda c: (axdr.OCTET_STRING, firmware.firmware_info()[0])),
            oc.Data(obis.FIRMWARE_SIGNATURE,
                    lambda c: (axdr.OCTET_STRING, firmware.firmware_info()[1])),
            oc.ImageTransfer(obis.IMAGE_TRANSFER, firmware.image_store),
        ]
    return objs


def dlms_server(meter, config, formats=None, reject_is_error=False, firmware=None, **kw):
    """The DLMS server of `meter`: objects() and the logical device name
    "STS" + DRN; config is a dlms.association.ServerConfig (provision.dlms_config),
    kw go to dlms.server.DlmsServer (store, wallclock, hdlc_addresses, ...)."""
    from dlms.server import DlmsServer
    ldn = (b"STS" + meter.sts.drn.encode())[:16]
    return DlmsServer(config, objects(meter, formats, reject_is_error, firmware), ldn, **kw)
