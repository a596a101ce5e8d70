"""W2, Python stdlib poplib: N x p.noop().
usage: python3 w2.py HOST:PORT N"""
import poplib
import sys

host, port = sys.argv[1].rsplit(":", 1)
n = int(sys.argv[2])
p = poplib.POP3(host, int(port), timeout=600)
p.user("noop")
p.pass_("pw")
for _ in range(n):
    p.noop()
p.quit()
print("noops=%d" % n)
