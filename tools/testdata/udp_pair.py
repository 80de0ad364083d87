"""A UDP exchange, one side per process, for trace tests.

  udp_pair.py server PORTFILE   bind 127.0.0.1, write the port, echo twice
  udp_pair.py client PORTFILE   sendto/recvfrom, then connect/send/recv

The client shows both UDP styles: unconnected (sendto with an address) and
connected (connect() fixes the peer; send/recv). Blocking calls, each once.
"""
import os
import socket
import sys
import time


def server(portfile):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    with open(portfile + ".tmp", "w") as f:
        f.write(str(port))
    os.rename(portfile + ".tmp", portfile)
    ok = True
    for want in (b"one", b"two"):
        data, peer = s.recvfrom(1024)
        ok = ok and data == want
        s.sendto(data.upper(), peer)
    s.close()
    return 0 if ok else 1


def client(portfile):
    for _ in range(500):
        if os.path.exists(portfile):
            break
        time.sleep(0.01)
    with open(portfile) as f:
        addr = ("127.0.0.1", int(f.read()))
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.sendto(b"one", addr)
    first, _ = s.recvfrom(1024)
    s.connect(addr)
    s.send(b"two")
    second = s.recv(1024)
    s.close()
    return 0 if (first, second) == (b"ONE", b"TWO") else 1


if __name__ == "__main__":
    sys.exit(server(sys.argv[2]) if sys.argv[1] == "server" else client(sys.argv[2]))
