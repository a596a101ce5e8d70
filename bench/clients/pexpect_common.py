"""Shared by the pexpect clients: an fdpexpect session on a TCP socket,
with pexpect's defaults (maxread 2000, delayafterread 0.0001 s: pexpect
sleeps 100 us after every read, searchwindowsize None)."""
import socket

from pexpect import fdpexpect


def connect(addr, timeout=600):
    host, port = addr.rsplit(":", 1)
    sock = socket.create_connection((host, int(port)))
    c = fdpexpect.fdspawn(sock.fileno(), timeout=timeout)
    c.sock = sock  # keep the socket (and its fd) alive
    return c


OK = rb"\+OK[^\n]*\n"


def cmd(c, line, pattern=OK):
    c.send(line + b"\r\n")
    c.expect(pattern)
    return c.match
