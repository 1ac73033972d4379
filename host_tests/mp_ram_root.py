# Stand-in boards for the deployment tests (test_deploy.py,
# test_deploy_device.py, test_selfcheck.py): MicroPython source that replaces
# the unix port's root file system with a littlefs image in RAM, so '/' looks
# like a board's flash; and the unix-port REPL on a pseudo-terminal, which
# mpremote drives like a board.
import contextlib
import os
import pty
import subprocess
import sys
import time
import tty


@contextlib.contextmanager
def pty_board(args, env=None):
    """`micropython ARGS` with its REPL on a pseudo-terminal; yields the device path."""
    master, slave = pty.openpty()
    tty.setraw(slave)
    proc = subprocess.Popen([os.path.join(os.path.dirname(sys.executable), "micropython")] + args,
                            stdin=master, stdout=master, stderr=master, env=env,
                            start_new_session=True)
    time.sleep(0.5)
    try:
        yield os.ttyname(slave)
    finally:
        proc.kill()
        proc.wait()
        os.close(master)
        os.close(slave)


def mount_ram_root(blocks, block_size=512):
    return """
import os
class RAM:
    def __init__(s, n=%d, bs=%d):
        s.bs = bs; s.d = bytearray(n * bs)
    def readblocks(s, b, buf, off=0):
        a = b * s.bs + off; buf[:] = s.d[a:a + len(buf)]
    def writeblocks(s, b, buf, off=None):
        a = b * s.bs + (off or 0); s.d[a:a + len(buf)] = buf
    def ioctl(s, op, arg):
        return {4: len(s.d) // s.bs, 5: s.bs, 6: 0}.get(op)
bd = RAM()
os.VfsLfs2.mkfs(bd)
os.umount('/')
os.mount(os.VfsLfs2(bd), '/')
""" % (blocks, block_size)
