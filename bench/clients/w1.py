"""W1, Python stdlib poplib: log in, RETR 1 (poplib unstuffs), write the
message with CRLF line ends to a file, QUIT.
usage: python3 w1.py HOST:PORT OUTFILE"""
import poplib
import sys

host, port = sys.argv[1].rsplit(":", 1)
p = poplib.POP3(host, int(port), timeout=600)
p.user("big")
p.pass_("pw")
resp, lines, octets = p.retr(1)
p.quit()
body = b"\r\n".join(lines) + b"\r\n"
with open(sys.argv[2], "wb") as f:
    f.write(body)
print("octets=%d" % len(body))
