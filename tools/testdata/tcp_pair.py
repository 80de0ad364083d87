"""A TCP connection's whole life, one side per process, for trace tests.

  tcp_pair.py server PORTFILE   listen on 127.0.0.1, write the port to
                                PORTFILE, serve one connection: ping/pong
  tcp_pair.py client PORTFILE   connect, ping, read pong, close

Plain blocking calls only, each once, so the traced call sequence is the
same on every run (see tools/wsl1_design_diagrams.sh).
"""
import os
import socket
import sys
import time


def server(portfile):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", 0))
    s.listen(1)
    port = s.getsockname()[1]
    with open(portfile + ".tmp", "w") as f:
        f.write(str(port))
    os.rename(portfile + ".tmp", portfile)
    c, _ = s.accept()
    got = c.recv(1024)
    c.sendall(b"pong" if got == b"ping" else b"????")
    eof = c.recv(1024)  # the client's close
    c.close()
    s.close()
    return 0 if got == b"ping" and eof == b"" else 1


def client(portfile):
    for _ in range(500):
        if os.path.exists(portfile):
            break
        time.sleep(0.01)
    with open(portfile) as f:
        port = int(f.read())
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.connect(("127.0.0.1", port))
    s.sendall(b"ping")
    got = s.recv(1024)
    s.close()
    return 0 if got == b"pong" else 1


if __name__ == "__main__":
    sys.exit(server(sys.argv[2]) if sys.argv[1] == "server" else client(sys.argv[2]))
