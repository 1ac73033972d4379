# DLMS/COSEM server, sans-IO: HDLC link, ACSE, xDLMS, security, COSEM objects (IEC 62056).
