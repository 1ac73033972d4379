# MicroPython source that replaces the unix port's root file system with a
# littlefs image in RAM, so deployment tests see '/' as a board's flash.
# Shared by test_deploy.py and test_deploy_device.py.


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
