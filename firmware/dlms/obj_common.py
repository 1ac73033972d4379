# Common COSEM classes (dlms.md 7.1): Clock, SAP assignment, IEC HDLC setup,
# IEC local port setup, Security setup, Image transfer (Data and Register are
# dlms.obj_data's). Views over the server context. A meter's objects of these
# classes are made on first access (binding.object_list.objects): this module
# loads when a client first reaches one. The Association LN object is
# dlms.association_ln's.
from dlms import axdr, cosem_time
from dlms.cosem import (CosemObject, AccessError, R0, R1, R0W2, R1W2, HIDDEN, MANAGEMENT,
                        NOBODY, READ_WRITE_DENIED)


class Clock(CosemObject):
    """Class 8 (dlms.md 7.1) over the meter's real-time clock `clock`
    (meter.realtime.RealTime): local time with its deviation and status.
    The management client sets it (attributes 2, 3, 5-8, methods 1-6); all
    but attributes 2 and 4 are in dlms.clock_set, loaded on first use."""
    class_id = 8
    ATTRS = (R0, R0W2, R0W2, R0, R0W2, R0W2, R0W2, R0W2, R0)
    METHODS = (MANAGEMENT,) * 6

    def __init__(self, ln, clock):
        CosemObject.__init__(self, ln)
        self.clock = clock
        self.preset = None  # method 5: (time, validity start, end), for method 4

    def read(self, attr, ctx):
        c = self.clock
        if attr == 2:
            return (axdr.OCTET_STRING, cosem_time.stamp(c, c.now()))
        if attr == 4:
            return (axdr.UNSIGNED, c.status | (0x80 if c.deviation(c.now())[1] else 0))  # DST
        from dlms import clock_set
        return clock_set.read(c, attr)

    def write(self, attr, value, ctx):
        from dlms import clock_set
        clock_set.write(self.clock, attr, value)

    def invoke(self, method, param, ctx):
        from dlms import clock_set
        clock_set.invoke(self, method, param)


class SapAssignment(CosemObject):
    class_id = 17
    ATTRS = (R0, R0)
    METHODS = (NOBODY,)

    def read(self, attr, ctx):  # the one logical device: its address and name
        s = ctx.server
        return (axdr.ARRAY, [(axdr.STRUCTURE, [(axdr.LONG_UNSIGNED, s.logical_device),
                                               (axdr.OCTET_STRING, s.ldn)])])


class HdlcSetup(CosemObject):
    """Class 23 version 1: what the link layer is configured with (read only)."""
    class_id = 23
    version = 1
    ATTRS = (R0,) * 9

    def read(self, attr, ctx):
        s = ctx.server
        if attr == 2:
            return (axdr.ENUM, 5)  # comm_speed 9600 (baud enum as class 19's)
        if attr in (3, 4):
            return (axdr.UNSIGNED, 1)  # window
        if attr in (5, 6):
            return (axdr.LONG_UNSIGNED, s.link.settings.max_info_rx)
        if attr == 7:
            return (axdr.LONG_UNSIGNED, 25)  # inter-octet time-out, ms
        if attr == 8:
            return (axdr.LONG_UNSIGNED, s.link.settings.inactivity_timeout_ms // 1000)
        return (axdr.LONG_UNSIGNED, s.logical_device)


class IecLocalPortSetup(CosemObject):
    """Class 19 version 1 at 0.0.20.0.0.255 (dlms.md 7.1): the optical port
    (read only). default_mode 0 = IEC 62056-21 mode E sign-on at 300 baud
    when the server's port has it (server.mode_e), else 1 = DLMS/COSEM
    (direct HDLC at 9600); 9600 proposed; passwords (7-9) are not offered."""
    class_id = 19
    version = 1
    ATTRS = (R0, R0, R0, R0, R0, R0, HIDDEN, HIDDEN, HIDDEN)

    def __init__(self, ln, device_address=b""):
        CosemObject.__init__(self, ln)
        self.device_address = device_address

    def read(self, attr, ctx):
        mode_e = ctx.server.mode_e
        if attr == 2:
            return (axdr.ENUM, 0 if mode_e else 1)
        if attr == 3:
            return (axdr.ENUM, 0 if mode_e else 5)  # baud enum: 0 is 300, 5 is 9600, 9 is 115200
        if attr == 4:
            return (axdr.ENUM, 5)  # 9600
        if attr == 5:
            return (axdr.ENUM, 0)  # response_time 20 ms
        if attr == 6:
            return (axdr.OCTET_STRING, self.device_address)
        raise AccessError(READ_WRITE_DENIED)


class SecuritySetup(CosemObject):
    """Class 64 version 0: policy, suite 0, system titles; method 2
    key_transfer renews the association's own client keys (EK, AK) under its
    KEK (dlms.md 6.5, docs/security.md). The new keys take effect once the
    answer went out, and the association ends."""
    class_id = 64
    ATTRS = (R0, R0, R0, R0, R0)
    METHODS = (NOBODY, MANAGEMENT)  # 1 security_activate is not offered

    def read(self, attr, ctx):
        if attr == 2:
            return (axdr.ENUM, 3 if ctx.level >= MANAGEMENT else 0)
        if attr == 3:
            return (axdr.ENUM, 0)
        if attr == 4:
            return (axdr.OCTET_STRING, ctx.assoc.client_title or b"")
        return (axdr.OCTET_STRING, ctx.server.system_title)

    def invoke(self, method, param, ctx):
        from dlms import key_transfer  # loaded on first use (board heap)
        sap = ctx.assoc.sap
        c = ctx.server.config.clients.get(sap)
        if c is None or ctx.server.keys.get(sap) is None:
            raise AccessError(READ_WRITE_DENIED)
        ek, ak = key_transfer.unwrap_keys(param, c.kek)
        ctx.server.keys.renew(sap, ek, ak)


class ImageTransfer(CosemObject):
    """Class 18 version 0 (dlms.md 7; docs/update.md): firmware images. The
    protocol is in dlms.image_transfer and the image store behind it comes
    from target() (a callable): both load on the first access beyond the
    logical name, so a meter that is not being updated never loads them."""
    class_id = 18
    ATTRS = (R0, R1, R1, R1, R1W2, R1, R1)
    METHODS = (MANAGEMENT,) * 4

    def __init__(self, ln, target):
        CosemObject.__init__(self, ln)
        self._target = target

    def read(self, attr, ctx):
        from dlms import image_transfer
        return image_transfer.read(self._target(), attr)

    def write(self, attr, value, ctx):
        from dlms import image_transfer
        image_transfer.write(self._target(), attr, value)

    def invoke(self, method, param, ctx):
        from dlms import image_transfer
        image_transfer.invoke(self._target(), method, param)
