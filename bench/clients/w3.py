"""W3, Python stdlib poplib: for each mailbox connect, USER/PASS, STAT,
UIDL, DELE every message, QUIT; JOBS mailboxes at a time (threads, as a
Python engineer would write a parallel cleanup; default 1, one after the
other). Mailbox N logs in as USERFMT % (FIRST + N).
usage: python3 w3.py HOST:PORT BOXES [JOBS [USERFMT FIRST]]"""
import poplib
import queue
import sys
import threading

host, port = sys.argv[1].rsplit(":", 1)
boxes = int(sys.argv[2])
jobs = int(sys.argv[3]) if len(sys.argv) > 3 else 1
userfmt = sys.argv[4] if len(sys.argv) > 4 else "box%d"
first = int(sys.argv[5]) if len(sys.argv) > 5 else 0


def mailbox(b):
    p = poplib.POP3(host, int(port), timeout=600)
    p.user(userfmt % (first + b))
    p.pass_("pw")
    count, _ = p.stat()
    resp, uids, _ = p.uidl()
    assert len(uids) == count, (len(uids), count)
    for i in range(1, count + 1):
        p.dele(i)
    p.quit()
    return count


deleted = 0
if jobs <= 1:
    for b in range(boxes):
        deleted += mailbox(b)
else:
    todo = queue.Queue()
    for b in range(boxes):
        todo.put(b)
    lock = threading.Lock()
    failures = []

    def worker():
        global deleted
        while True:
            try:
                b = todo.get_nowait()
            except queue.Empty:
                return
            try:
                n = mailbox(b)
            except Exception as e:  # reported once, after the others finish
                with lock:
                    failures.append(e)
                continue
            with lock:
                deleted += n

    threads = [threading.Thread(target=worker) for _ in range(jobs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if failures:
        raise failures[0]
print("deleted=%d" % deleted)
