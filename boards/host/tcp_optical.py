# HDLC over TCP for the virtual meter: the optical port of the host board.
# Each TCP connection is a fresh physical connection to the one optical port:
# bytes go to the sans-IO DLMS server, its answers go back. Runs on CPython's
# asyncio and on MicroPython's asyncio alike.
import asyncio

try:
    from time import ticks_ms
except ImportError:  # CPython
    import time

    def ticks_ms():
        return int(time.monotonic() * 1000) & 0x3FFFFFFF


async def serve_connection(server, reader, writer, idle_ms=1000, on_activity=None):
    """Pump one TCP connection through `server` (dlms.server.DlmsServer or any
    object with receive_data/data_to_send/tick) until the peer closes."""
    try:
        while True:
            try:
                data = await asyncio.wait_for(reader.read(512), idle_ms / 1000)
            except asyncio.TimeoutError:
                server.tick(ticks_ms())
                data = None
            else:
                if not data:
                    break
                server.receive_data(data, ticks_ms())
                if on_activity is not None:
                    on_activity()
            out = server.data_to_send()
            if out:
                writer.write(out)
                await writer.drain()
    finally:
        server.link.disconnect()
        server.tick(ticks_ms())  # lets the server release the association
        try:
            writer.close()
            await writer.wait_closed()
        except Exception:
            pass


async def start(server, host="127.0.0.1", port=4059, lock=None):
    """Listen on host:port; one connection at a time talks to the meter
    (a second one waits, as a second optical probe would)."""
    lock = lock or asyncio.Lock()

    async def handle(reader, writer):
        async with lock:
            await serve_connection(server, reader, writer)

    return await asyncio.start_server(handle, host, port)
