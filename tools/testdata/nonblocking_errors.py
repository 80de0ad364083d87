"""Non-blocking calls and errors in one process, for trace tests.

A non-blocking connect (EINPROGRESS), SO_ERROR once it is done, a receive
with nothing to read (EAGAIN), then a connect to a port nobody listens on
(ECONNREFUSED). One thread, so the traced call sequence is the same on
every run.
"""
import errno
import select
import socket
import sys

ok = True
listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
listener.bind(("127.0.0.1", 0))
listener.listen(1)
addr = listener.getsockname()

c = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
c.setblocking(False)
ok &= c.connect_ex(addr) == errno.EINPROGRESS
select.select([], [c], [], 5)  # poll/select go to the host untouched
ok &= c.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR) == 0
try:
    c.recv(100)
    ok = False
except BlockingIOError:
    pass
c.close()
listener.close()

# A port that is bound but not listening refuses connections.
closed = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
closed.bind(("127.0.0.1", 0))
r = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
ok &= r.connect_ex(closed.getsockname()) == errno.ECONNREFUSED
r.close()
closed.close()
sys.exit(0 if ok else 1)
