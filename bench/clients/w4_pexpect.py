"""W4, pexpect: one SMTP session, N x (MAIL, RCPT, DATA, the message
dot-stuffed once up front, ".") with each reply expected.
usage: python3 w4_pexpect.py HOST:PORT N MSGFILE"""
import re
import sys

from pexpect_common import connect, cmd

n = int(sys.argv[2])
with open(sys.argv[3], "rb") as f:
    msg = f.read()
data = re.sub(rb"(?m)^\.", b"..", msg) + b".\r\n"  # the message ends with CRLF
R250, R354 = rb"(?m)^250 [^\n]*\n", rb"(?m)^354 [^\n]*\n"
c = connect(sys.argv[1])
c.expect(rb"220 [^\n]*\n")
cmd(c, b"EHLO client.example", R250)
for _ in range(n):
    cmd(c, b"MAIL FROM:<bench@example.com>", R250)
    cmd(c, b"RCPT TO:<user@example.com>", R250)
    cmd(c, b"DATA", R354)
    c.send(data)
    c.expect(R250)
cmd(c, b"QUIT", rb"(?m)^221 [^\n]*\n")
print("sent=%d" % n)
