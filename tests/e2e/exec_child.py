#!/usr/bin/python3
"""Child of the inherited-socket test (exec_inherit.sh), exec'd by
exec_parent.py in the same process:

  exec_child.py LISTEN_FD CONN_FD SOCKNAME_REPR STATE_DIR

Adopts the inherited descriptors (family and type detected from the fd),
checks that they are what the parent had, writes STATE_DIR/ready (via a
rename, so that it appears complete), echoes the already-accepted
connection, then accepts and echoes MORE more connections one after the
other, and exits 0.
"""
import ast
import os
import socket
import sys

MORE = 2


def echo(conn):
    n = 0
    while True:
        b = conn.recv(65536)
        if not b:
            break
        conn.sendall(b)
        n += len(b)
    conn.shutdown(socket.SHUT_WR)
    conn.close()
    return n


def main():
    lfd, cfd = int(sys.argv[1]), int(sys.argv[2])
    expected_name = ast.literal_eval(sys.argv[3])
    state = sys.argv[4]
    ls = socket.socket(fileno=lfd)
    conn = socket.socket(fileno=cfd)
    with open("/proc/self/maps") as m:
        preloaded = "liblxwsk" in m.read()
    preloaded = preloaded and os.environ.get("LXWSK_DISABLE", "") != "1"
    info = [
        f"pid {os.getpid()}",
        f"listener {socket.AddressFamily(ls.family).name} {socket.SocketKind(ls.type).name}",
        f"listener_sockname_same {ls.getsockname() == expected_name}",
        f"listener_acceptconn {ls.getsockopt(socket.SOL_SOCKET, socket.SO_ACCEPTCONN)}",
        f"conn {socket.AddressFamily(conn.family).name} {socket.SocketKind(conn.type).name}",
        f"conn_sockname_same {conn.getsockname() == expected_name}",
        f"preloaded {'yes' if preloaded else 'no'}",
        f"ld_preload {'liblxwsk' in os.environ.get('LD_PRELOAD', '')}",
    ]
    with open(os.path.join(state, "child.txt"), "w") as f:
        f.write("\n".join(info) + "\n")
    os.rename(os.path.join(state, "child.txt"), os.path.join(state, "ready"))
    print("child: " + "; ".join(info), flush=True)
    n = echo(conn)
    print(f"child: echoed {n} bytes on the inherited connection", flush=True)
    for i in range(MORE):
        c, peer = ls.accept()
        n = echo(c)
        print(f"child: echoed {n} bytes on accepted connection {i + 1}", flush=True)
    ls.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
