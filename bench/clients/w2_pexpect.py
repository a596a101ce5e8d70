"""W2, pexpect: N x (send NOOP, expect +OK).
usage: python3 w2_pexpect.py HOST:PORT N"""
import sys

from pexpect_common import connect, cmd, OK

n = int(sys.argv[2])
c = connect(sys.argv[1])
c.expect(OK)
cmd(c, b"USER noop")
cmd(c, b"PASS pw")
for _ in range(n):
    cmd(c, b"NOOP")
cmd(c, b"QUIT")
print("noops=%d" % n)
