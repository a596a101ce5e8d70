"""W3, pexpect, one process looping over the mailboxes.
usage: python3 w3_pexpect.py HOST:PORT BOXES"""
import sys

from pexpect_common import connect, cmd, OK

deleted = 0
for b in range(int(sys.argv[2])):
    c = connect(sys.argv[1])
    c.expect(OK)
    cmd(c, b"USER box%d" % b)
    cmd(c, b"PASS pw")
    count = int(cmd(c, b"STAT", rb"\+OK (\d+) \d+\r\n").group(1))
    cmd(c, b"UIDL", rb"\n\.\r\n")
    uids = c.before.count(b"\n")  # +OK line + all but the last UIDL line
    assert uids == count, (uids, count)
    for i in range(1, count + 1):
        cmd(c, b"DELE %d" % i)
        deleted += 1
    cmd(c, b"QUIT")
    c.sock.close()
print("deleted=%d" % deleted)
