#!/usr/bin/python3
"""Parent of the inherited-socket test (exec_inherit.sh).

  exec_parent.py FAMILY(4|6) PORT CHILD_SCRIPT STATE_DIR

Creates a listening TCP socket on 127.0.0.1:PORT or [::1]:PORT, accepts one
connection, reads its header line byte by byte (so that the rest of the
client's data stays queued in the socket), then makes both descriptors
inheritable and execs `python3 CHILD_SCRIPT LISTEN_FD CONN_FD ...`: the
child (same process, new image) adopts both and serves.
"""
import os
import socket
import sys


def main():
    fam_arg, port, child, state = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
    fam, addr = (socket.AF_INET, "127.0.0.1") if fam_arg == "4" else (socket.AF_INET6, "::1")
    ls = socket.socket(fam, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind((addr, port))
    ls.listen(8)
    print(f"parent {os.getpid()}: listening on {ls.getsockname()}", flush=True)
    conn, peer = ls.accept()
    header = b""
    while not header.endswith(b"\n") and len(header) < 100:
        b = conn.recv(1)
        if not b:
            break
        header += b
    with open(os.path.join(state, "parent.txt"), "w") as f:
        f.write(f"pid {os.getpid()}\n")
        f.write(f"header {header!r}\n")
        f.write(f"sockname {ls.getsockname()!r}\n")
        f.write(f"peer {peer!r}\n")
    print(f"parent: got header {header!r}; exec {child}", flush=True)
    # By default Python's sockets are not inheritable (CLOEXEC).
    for s in (ls, conn):
        os.set_inheritable(s.fileno(), True)
    argv = [sys.executable, child, str(ls.fileno()), str(conn.fileno()),
            repr(ls.getsockname()), state]
    os.execv(sys.executable, argv)


if __name__ == "__main__":
    main()
