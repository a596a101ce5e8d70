"""W5, pexpect: GEN SIZE, then one expect for the "250 END" line with
everything before it kept (c.before). mode "re": c.expect (a regex, the
default API); mode "exact": c.expect_exact. pexpect's buffer is unbounded
(there is no match_max).
usage: python3 w5_pexpect.py HOST:PORT SIZE re|exact"""
import sys

from pexpect_common import connect

size, mode = int(sys.argv[2]), sys.argv[3]
c = connect(sys.argv[1])
c.send(b"GEN %d\r\n" % size)
if mode == "re":
    c.expect(rb"\n250 END\r\n")
    before = len(c.before) + 1  # the pattern took the line end before it
else:
    c.expect_exact(b"250 END\r\n")
    before = len(c.before)
print("before=%d" % before)
