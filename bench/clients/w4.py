"""W4, Python stdlib smtplib: one session, EHLO, N x sendmail (MAIL, RCPT,
DATA; smtplib stuffs the dots), QUIT.
usage: python3 w4.py HOST:PORT N MSGFILE"""
import smtplib
import sys

host, port = sys.argv[1].rsplit(":", 1)
n = int(sys.argv[2])
with open(sys.argv[3], "rb") as f:
    msg = f.read()
s = smtplib.SMTP(host, int(port), local_hostname="client.example", timeout=600)
s.ehlo("client.example")
for _ in range(n):
    s.sendmail("bench@example.com", ["user@example.com"], msg)
s.quit()
print("sent=%d" % n)
