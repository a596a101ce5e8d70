"""W3, Python stdlib poplib, one process looping over the mailboxes:
connect, USER/PASS, STAT, UIDL, DELE every message, QUIT.
usage: python3 w3.py HOST:PORT BOXES"""
import poplib
import sys

host, port = sys.argv[1].rsplit(":", 1)
deleted = 0
for b in range(int(sys.argv[2])):
    p = poplib.POP3(host, int(port), timeout=600)
    p.user("box%d" % b)
    p.pass_("pw")
    count, _ = p.stat()
    resp, uids, _ = p.uidl()
    assert len(uids) == count, (len(uids), count)
    for i in range(1, count + 1):
        p.dele(i)
        deleted += 1
    p.quit()
print("deleted=%d" % deleted)
