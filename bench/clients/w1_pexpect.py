"""W1, pexpect (fdpexpect on a socket): log in, RETR 1, expect_exact the
terminator (pexpect's linear search), unstuff, write to a file, QUIT.
usage: python3 w1_pexpect.py HOST:PORT OUTFILE"""
import re
import sys

from pexpect_common import connect, cmd, OK

c = connect(sys.argv[1])
c.expect(OK)
cmd(c, b"USER big")
cmd(c, b"PASS pw")
cmd(c, b"RETR 1")
c.expect_exact(b"\r\n.\r\n")
body = c.before + b"\r\n"
body = re.sub(rb"(?m)^\.", b"", body)  # unstuff: one leading dot per line
cmd(c, b"QUIT")
with open(sys.argv[2], "wb") as f:
    f.write(body)
print("octets=%d" % len(body))
