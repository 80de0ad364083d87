"""A traced workload for test_trace.sh: threads, fork, closerange.

Prints a canonical summary on stdout (identical traced or not)."""
import os
import socket
import sys
import threading

def echo_server(listener, n):
    for _ in range(n):
        c, _ = listener.accept()
        with c:
            while True:
                d = c.recv(4096)
                if not d:
                    break
                c.sendall(d)

def client(port, i, results):
    with socket.create_connection(("127.0.0.1", port)) as s:
        total = 0
        for k in range(50):
            msg = bytes([i]) * 100
            s.sendall(msg)
            got = b""
            while len(got) < len(msg):
                got += s.recv(4096)
            total += len(got)
        results[i] = total

def main():
    threads_n = 8
    l = socket.socket()
    l.bind(("127.0.0.1", 0))
    l.listen(16)
    port = l.getsockname()[1]
    srv = [threading.Thread(target=echo_server, args=(l, 1)) for _ in range(threads_n)]
    for t in srv:
        t.start()
    results = {}
    cl = [threading.Thread(target=client, args=(port, i, results)) for i in range(threads_n)]
    for t in cl:
        t.start()
    for t in cl + srv:
        t.join(timeout=30)
    print("threads", sorted(results.values()))
    # The program closes every descriptor above 2 it does not know about;
    # tracing must go on.
    l.close()
    os.closerange(3, 65536)
    pid = os.fork()
    if pid == 0:
        s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
        s.bind(("::1", 0))
        s.close()
        os._exit(0)
    os.waitpid(pid, 0)
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u.bind(("127.0.0.1", 0))
    u.sendto(b"after-closerange", u.getsockname())
    print("udp", u.recv(100))
    u.close()
    socket.socket(socket.AF_UNIX, socket.SOCK_STREAM).close()
    a, b = socket.socketpair()
    a.send(b"unix")
    print("unix", b.recv(10))

main()
