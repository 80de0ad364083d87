#!/usr/bin/python3
"""Differential socket-module workout for lxwsk.

Runs a fixed set of socket scenarios over 127.0.0.1 and ::1 and prints a
canonical record (one "key: value" line each) on stdout that does not depend
on port numbers, timing or the host: the same program must print exactly the
same record natively and under `lxwsk run`.

Scenarios: threaded TCP echo server with concurrent clients (v4, v6),
socket options, scatter/gather and flags, UDP exchange (sizes, truncation,
peek, connected UDP, ICMP-refused), non-blocking connect with select (and
poll/epoll), error cases (refused connect, EADDRINUSE and others), dup /
socket.fromfd / fileno adoption, fork sharing a socket, SO_LINGER reset,
timeouts, AF_UNIX passthrough.

A scenario that raises unexpectedly prints a line starting with "!!" and
the program goes on; the exit status is 1 if any did. A watchdog ends the
program (status 3) after WATCHDOG seconds.

Usage: py_sockets.py [--maps-report FILE]
  --maps-report FILE  write "preloaded: yes|no" (is liblxwsk.so mapped in
                      this process, and not switched off by LXWSK_DISABLE=1)
                      to FILE; kept out of the record.
"""
import errno
import hashlib
import os
import random
import select
import selectors
import socket
import struct
import sys
import tempfile
import threading
import time

WATCHDOG = 30
HAVE_V6 = os.environ.get("E2E_HAVE_V6", "1") == "1"

_lines = []
_failed = False


def rec(key, value):
    _lines.append(f"{key}: {value}")


def ename(e):
    if e is None:
        return "None"
    return errno.errorcode.get(e, str(e))


def outcome(fn):
    """'ok' / 'ok:<repr>' or '<ExceptionType>/<ERRNO>' for fn()."""
    try:
        r = fn()
    except OSError as e:
        return f"{type(e).__name__}/{ename(e.errno)}"
    return "ok" if r is None else f"ok:{r!r}"


def sha(b):
    return hashlib.sha256(b).hexdigest()


def payload(seed, n):
    return random.Random(seed).randbytes(n)


def host(addr):
    """The address part of a sockaddr tuple (port and scope left out)."""
    return addr[0]


def watchdog():
    time.sleep(WATCHDOG)
    sys.stdout.write("".join(l + "\n" for l in _lines))
    sys.stdout.write(f"!! watchdog: still running after {WATCHDOG} s\n")
    sys.stdout.flush()
    os._exit(3)


def families():
    fams = [("v4", socket.AF_INET, "127.0.0.1")]
    if HAVE_V6:
        fams.append(("v6", socket.AF_INET6, "::1"))
    return fams


def recv_all(s):
    chunks = []
    while True:
        b = s.recv(262144)
        if not b:
            return b"".join(chunks)
        chunks.append(b)


def recv_exact(s, n, timeout=5.0):
    """Up to n bytes, reading until n arrived, EOF or the timeout."""
    chunks, got = [], 0
    end = time.monotonic() + timeout
    while got < n:
        left = end - time.monotonic()
        if left <= 0 or not select.select([s], [], [], left)[0]:
            break
        b = s.recv(n - got)
        if not b:
            break
        chunks.append(b)
        got += len(b)
    return b"".join(chunks)


def connected_pair(fam, addr):
    """A connected TCP pair (client, server-side) through a listener."""
    ls = socket.socket(fam, socket.SOCK_STREAM)
    ls.bind((addr, 0))
    ls.listen(1)
    c = socket.socket(fam, socket.SOCK_STREAM)
    c.connect(ls.getsockname())
    a, _ = ls.accept()
    ls.close()
    return c, a


# ---------------------------------------------------------------------------
def tcp_threads(tag, fam, addr):
    """Threaded echo server, 4 concurrent clients of different sizes."""
    p = f"tcp{tag}"
    ls = socket.socket(fam, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind((addr, 0))
    ls.listen(16)
    name = ls.getsockname()
    rec(f"{p}.listener.host", host(name))
    rec(f"{p}.listener.port_nonzero", name[1] != 0)
    rec(f"{p}.listener.family", socket.AddressFamily(ls.family).name)
    rec(f"{p}.listener.SO_ACCEPTCONN",
        ls.getsockopt(socket.SOL_SOCKET, socket.SO_ACCEPTCONN))
    rec(f"{p}.listener.SO_REUSEADDR",
        ls.getsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR))

    sizes = [1, 1000, 100_000, 3_000_000]
    server_info = {}
    lock = threading.Lock()

    def handle(conn, peer, idx):
        try:
            info = {
                "peer_matches_getpeername": peer == conn.getpeername(),
                "sockname_is_listener": conn.getsockname() == name,
                "family": socket.AddressFamily(conn.family).name,
            }
            total = 0
            while True:
                b = conn.recv(65536)
                if not b:
                    break
                total += len(b)
                conn.sendall(b)
            conn.shutdown(socket.SHUT_WR)
            info["received"] = total
            with lock:
                server_info[peer] = info
        finally:
            conn.close()

    def serve():
        threads = []
        for i in range(len(sizes)):
            conn, peer = ls.accept()
            t = threading.Thread(target=handle, args=(conn, peer, i))
            t.start()
            threads.append(t)
        for t in threads:
            t.join()

    st = threading.Thread(target=serve)
    st.start()

    results = [None] * len(sizes)

    def client(i):
        try:
            data = payload(1000 + i, sizes[i])
            c = socket.socket(fam, socket.SOCK_STREAM)
            c.connect(name)
            cname, pname = c.getsockname(), c.getpeername()
            snd = threading.Thread(target=lambda: (c.sendall(data),
                                                   c.shutdown(socket.SHUT_WR)))
            snd.start()
            got = recv_all(c)
            snd.join()
            results[i] = (cname, len(got), sha(got) == sha(data),
                          pname == name)
            c.close()
        except OSError as e:
            results[i] = e

    cts = [threading.Thread(target=client, args=(i,)) for i in range(len(sizes))]
    for t in cts:
        t.start()
    for t in cts:
        t.join()
    st.join()
    ls.close()
    for i, r in enumerate(results):
        rec(f"{p}.client{i}.size", sizes[i])
        if not isinstance(r, tuple):
            raise RuntimeError(f"client {i}: {r!r}")
        cname, n, ok, pok = r
        rec(f"{p}.client{i}.echo_len", n)
        rec(f"{p}.client{i}.echo_equal", ok)
        rec(f"{p}.client{i}.peer_is_listener", pok)
        rec(f"{p}.client{i}.local_host", host(cname))
        si = server_info.get(cname)
        if si is None:
            rec(f"{p}.client{i}.server_saw_peer", False)
            continue
        rec(f"{p}.client{i}.server_saw_peer", True)
        for k in sorted(si):
            rec(f"{p}.client{i}.server.{k}", si[k])


def tcp_options_and_flags(tag, fam, addr):
    p = f"tcpopt{tag}"
    c, a = connected_pair(fam, addr)
    g = c.getsockopt
    rec(f"{p}.SO_TYPE", g(socket.SOL_SOCKET, socket.SO_TYPE))
    rec(f"{p}.SO_DOMAIN", g(socket.SOL_SOCKET, socket.SO_DOMAIN))
    rec(f"{p}.SO_PROTOCOL", g(socket.SOL_SOCKET, socket.SO_PROTOCOL))
    rec(f"{p}.SO_ERROR", g(socket.SOL_SOCKET, socket.SO_ERROR))
    rec(f"{p}.SO_ACCEPTCONN", g(socket.SOL_SOCKET, socket.SO_ACCEPTCONN))
    rec(f"{p}.SO_KEEPALIVE.default", g(socket.SOL_SOCKET, socket.SO_KEEPALIVE))
    c.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
    rec(f"{p}.SO_KEEPALIVE.set", g(socket.SOL_SOCKET, socket.SO_KEEPALIVE))
    rec(f"{p}.TCP_NODELAY.default", g(socket.IPPROTO_TCP, socket.TCP_NODELAY))
    c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    rec(f"{p}.TCP_NODELAY.set", g(socket.IPPROTO_TCP, socket.TCP_NODELAY))
    c.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)
    rec(f"{p}.SO_RCVBUF.set65536", g(socket.SOL_SOCKET, socket.SO_RCVBUF))
    c.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 65536)
    rec(f"{p}.SO_SNDBUF.set65536", g(socket.SOL_SOCKET, socket.SO_SNDBUF))
    lin = struct.unpack("ii", g(socket.SOL_SOCKET, socket.SO_LINGER, 8))
    rec(f"{p}.SO_LINGER.default", lin)
    if fam == socket.AF_INET:
        rec(f"{p}.IP_TTL", g(socket.IPPROTO_IP, socket.IP_TTL))
    else:
        rec(f"{p}.IPV6_V6ONLY", g(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY))
        rec(f"{p}.IPV6_UNICAST_HOPS",
            g(socket.IPPROTO_IPV6, socket.IPV6_UNICAST_HOPS))

    # Data calls with flags and vectors.
    rec(f"{p}.send", c.send(b"hello world"))
    rec(f"{p}.recv_peek", a.recv(5, socket.MSG_PEEK))
    rec(f"{p}.recv_after_peek", a.recv(5))
    buf = bytearray(16)
    n = a.recv_into(buf, 6, socket.MSG_WAITALL)
    rec(f"{p}.recv_into_waitall", bytes(buf[:n]))
    rec(f"{p}.sendmsg", c.sendmsg([b"abc", b"", b"defgh", b"ij"]))
    b1, b2 = bytearray(4), bytearray(20)
    select.select([a], [], [], 5)
    nbytes, anc, flags, addrx = a.recvmsg_into([b1, b2])
    rec(f"{p}.recvmsg_into", (nbytes, bytes(b1), bytes(b2[:nbytes - 4]), flags))
    rec(f"{p}.recvmsg_into.address", addrx)
    a.setblocking(False)
    rec(f"{p}.recv_nonblocking_empty", outcome(lambda: a.recv(10)))
    a.setblocking(True)
    rec(f"{p}.MSG_DONTWAIT_empty",
        outcome(lambda: a.recv(10, socket.MSG_DONTWAIT)))
    # makefile / readline
    c.sendall(b"line one\nline two\n")
    f = a.makefile("rb")
    rec(f"{p}.readline1", f.readline())
    rec(f"{p}.readline2", f.readline())
    f.close()
    # shutdown(SHUT_WR): the peer reads EOF; the other direction still works.
    c.shutdown(socket.SHUT_WR)
    rec(f"{p}.recv_after_peer_shutdown", a.recv(10))
    rec(f"{p}.send_after_own_shutdown", outcome(lambda: c.send(b"x")))
    a.sendall(b"still open")
    rec(f"{p}.reverse_after_shutdown", c.recv(100))
    a.close()
    rec(f"{p}.recv_after_peer_close", c.recv(100))
    c.close()

    # Timeout: recv with settimeout on an idle connection.
    c, a = connected_pair(fam, addr)
    c.settimeout(0.2)
    rec(f"{p}.timeout_recv", outcome(lambda: c.recv(1)))
    rec(f"{p}.gettimeout", c.gettimeout())
    c.settimeout(None)
    # SO_LINGER {1, 0}: close sends a reset; the peer sees ECONNRESET.
    c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    rec(f"{p}.SO_LINGER.set",
        struct.unpack("ii", c.getsockopt(socket.SOL_SOCKET, socket.SO_LINGER, 8)))
    c.close()
    select.select([a], [], [], 5)
    rec(f"{p}.recv_after_reset", outcome(lambda: a.recv(10)))
    rec(f"{p}.recv_after_reset_again", outcome(lambda: a.recv(10)))
    a.close()

    # socket.sendfile (os.sendfile on the socket fd).
    c, a = connected_pair(fam, addr)
    data = payload(77, 200_000)
    with tempfile.TemporaryFile() as tf:
        tf.write(data)
        tf.seek(0)
        got = []
        r = threading.Thread(target=lambda: got.append(recv_all(a)))
        r.start()
        rec(f"{p}.sendfile", c.sendfile(tf))
        c.shutdown(socket.SHUT_WR)
        r.join()
    rec(f"{p}.sendfile_equal", got[0] == data)
    c.close()
    a.close()


# ---------------------------------------------------------------------------
def udp(tag, fam, addr):
    p = f"udp{tag}"
    s1 = socket.socket(fam, socket.SOCK_DGRAM)
    s2 = socket.socket(fam, socket.SOCK_DGRAM)
    s1.bind((addr, 0))
    s2.bind((addr, 0))
    n1, n2 = s1.getsockname(), s2.getsockname()
    rec(f"{p}.SO_TYPE", s1.getsockopt(socket.SOL_SOCKET, socket.SO_TYPE))
    rec(f"{p}.getpeername_unconnected", outcome(s1.getpeername))
    maxd = 65507 if fam == socket.AF_INET else 65527
    sizes = [0, 1, 100, 1472, 9000, maxd]
    for i, n in enumerate(sizes):
        d = payload(2000 + i, n)
        rec(f"{p}.sendto{n}", s1.sendto(d, n2))
        got, frm = s2.recvfrom(70000)
        rec(f"{p}.recvfrom{n}.equal", got == d)
        rec(f"{p}.recvfrom{n}.from_sender", frm == n1)
    rec(f"{p}.sendto_too_big", outcome(lambda: s1.sendto(b"x" * (maxd + 1), n2)))
    # Reply back the other way.
    s2.sendto(b"pong", n1)
    got, frm = s1.recvfrom(100)
    rec(f"{p}.reply", (got, frm == n2))
    # Truncation: a short read takes the head and drops the rest.
    s1.sendto(b"0123456789" * 10, n2)
    s1.sendto(b"next", n2)
    rec(f"{p}.recv_truncated", s2.recv(10))
    rec(f"{p}.recv_next_datagram", s2.recv(100))
    s1.sendto(b"A" * 50, n2)
    data, anc, flags, frm = s2.recvmsg(20)
    rec(f"{p}.recvmsg_trunc", (len(data), bool(flags & socket.MSG_TRUNC),
                               frm == n1))
    # Peek leaves the datagram queued.
    s1.sendto(b"peekaboo", n2)
    rec(f"{p}.peek", s2.recvfrom(100, socket.MSG_PEEK)[0])
    rec(f"{p}.after_peek", s2.recvfrom(100)[0])
    # Nothing queued: non-blocking read fails with EAGAIN.
    s2.setblocking(False)
    rec(f"{p}.recv_empty_nonblocking", outcome(lambda: s2.recv(10)))
    s2.setblocking(True)
    # Connected UDP.
    s1.connect(n2)
    rec(f"{p}.connected.getpeername_is_peer", s1.getpeername() == n2)
    rec(f"{p}.connected.send", s1.send(b"via connect"))
    rec(f"{p}.connected.peer_recv", s2.recvfrom(100)[0])
    s2.sendto(b"back", n1)
    rec(f"{p}.connected.recv", s1.recv(100))
    # A datagram from a third socket is filtered out by the connected one.
    s3 = socket.socket(fam, socket.SOCK_DGRAM)
    s3.bind((addr, 0))
    s3.sendto(b"stranger", n1)
    s2.sendto(b"friend", n1)
    rec(f"{p}.connected.filters_others", s1.recv(100))
    s3.close()
    s1.close()
    s2.close()
    # Connected to a port nobody has: ICMP port unreachable -> refused.
    dead = socket.socket(fam, socket.SOCK_DGRAM)
    dead.bind((addr, 0))
    dn = dead.getsockname()
    dead.close()
    u = socket.socket(fam, socket.SOCK_DGRAM)
    u.connect(dn)
    rec(f"{p}.refused.send", u.send(b"anyone?"))
    rec(f"{p}.refused.readable", bool(select.select([u], [], [], 5)[0]))
    rec(f"{p}.refused.recv", outcome(lambda: u.recv(10)))
    rec(f"{p}.refused.SO_ERROR_after",
        ename(u.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)))
    u.close()


# ---------------------------------------------------------------------------
def nonblocking_connect(tag, fam, addr):
    p = f"nbconnect{tag}"
    ls = socket.socket(fam, socket.SOCK_STREAM)
    ls.bind((addr, 0))
    ls.listen(4)
    ls.setblocking(False)
    rec(f"{p}.accept_nothing_pending", outcome(ls.accept))
    s = socket.socket(fam, socket.SOCK_STREAM)
    s.setblocking(False)
    rec(f"{p}.connect_ex", ename(s.connect_ex(ls.getsockname())))
    r, w, x = select.select([], [s], [], 5)
    rec(f"{p}.select_writable", s in w)
    rec(f"{p}.SO_ERROR", ename(s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)))
    rec(f"{p}.connect_ex_again", ename(s.connect_ex(ls.getsockname())))
    r, _, _ = select.select([ls], [], [], 5)
    rec(f"{p}.listener_readable", ls in r)
    a, peer = ls.accept()
    rec(f"{p}.accepted_peer_is_client", peer == s.getsockname())
    rec(f"{p}.accepted_blocking", a.getblocking())
    # poll and the default selector (epoll) see the data.
    a.sendall(b"ping")
    po = select.poll()
    po.register(s, select.POLLIN)
    ev = po.poll(5000)
    rec(f"{p}.poll", [(fd == s.fileno(), bool(m & select.POLLIN)) for fd, m in ev])
    rec(f"{p}.recv", s.recv(10))
    sel = selectors.DefaultSelector()
    sel.register(a, selectors.EVENT_READ, "a")
    s.send(b"pong")
    ev = sel.select(5)
    rec(f"{p}.selector", [(k.data, m) for k, m in ev])
    rec(f"{p}.selector_recv", a.recv(10))
    sel.close()
    # The peer closes: readable, recv gives EOF; POLLHUP after both shut.
    a.close()
    r, _, _ = select.select([s], [], [], 5)
    rec(f"{p}.readable_on_peer_close", s in r)
    rec(f"{p}.recv_eof", s.recv(10))
    s.close()
    ls.close()

    # Non-blocking connect to a closed port.
    b = socket.socket(fam, socket.SOCK_STREAM)
    b.bind((addr, 0))  # bound, not listening: connections get a reset
    s = socket.socket(fam, socket.SOCK_STREAM)
    s.setblocking(False)
    rec(f"{p}.refused.connect_ex", ename(s.connect_ex(b.getsockname())))
    r, w, x = select.select([s], [s], [s], 5)
    rec(f"{p}.refused.select", (s in r, s in w, s in x))
    rec(f"{p}.refused.SO_ERROR",
        ename(s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)))
    rec(f"{p}.refused.SO_ERROR_cleared",
        ename(s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)))
    s.close()
    b.close()


# ---------------------------------------------------------------------------
def errors(tag, fam, addr):
    p = f"err{tag}"
    b = socket.socket(fam, socket.SOCK_STREAM)
    b.bind((addr, 0))  # holds the port, never listens
    closed = b.getsockname()
    c = socket.socket(fam, socket.SOCK_STREAM)
    rec(f"{p}.connect_closed_port", outcome(lambda: c.connect(closed)))
    rec(f"{p}.connect_closed_port.SO_ERROR_after",
        ename(c.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)))
    c.close()
    c = socket.socket(fam, socket.SOCK_STREAM)
    rec(f"{p}.connect_ex_closed_port", ename(c.connect_ex(closed)))
    c.close()

    ls = socket.socket(fam, socket.SOCK_STREAM)
    ls.bind((addr, 0))
    ls.listen(1)
    used = ls.getsockname()
    d = socket.socket(fam, socket.SOCK_STREAM)
    rec(f"{p}.bind_used_port", outcome(lambda: d.bind(used)))
    d.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    rec(f"{p}.bind_used_port_reuseaddr", outcome(lambda: d.bind(used)))
    d.close()
    d = socket.socket(fam, socket.SOCK_STREAM)
    d.bind((addr, 0))
    rec(f"{p}.bind_twice", outcome(lambda: d.bind((addr, 0))))
    rec(f"{p}.accept_not_listening", outcome(d.accept))
    rec(f"{p}.getpeername_unconnected", outcome(d.getpeername))
    rec(f"{p}.recv_unconnected", outcome(lambda: d.recv(1)))
    rec(f"{p}.send_unconnected", outcome(lambda: d.send(b"x")))
    rec(f"{p}.shutdown_unconnected", outcome(lambda: d.shutdown(socket.SHUT_RDWR)))
    d.close()
    u = socket.socket(fam, socket.SOCK_DGRAM)
    rec(f"{p}.listen_udp", outcome(lambda: u.listen(1)))
    rec(f"{p}.accept_udp", outcome(u.accept))
    u.bind((addr, 0))
    u2 = socket.socket(fam, socket.SOCK_DGRAM)
    rec(f"{p}.bind_used_udp_port", outcome(lambda: u2.bind(u.getsockname())))
    u.close()
    u2.close()
    c = socket.socket(fam, socket.SOCK_STREAM)
    c.connect(used)
    rec(f"{p}.connect_again", outcome(lambda: c.connect(used)))
    rec(f"{p}.listen_connected", outcome(lambda: c.listen(1)))
    rec(f"{p}.setsockopt_bad_level",
        outcome(lambda: c.setsockopt(12345, 1, 1)))
    rec(f"{p}.getsockopt_bad_option",
        outcome(lambda: c.getsockopt(socket.SOL_SOCKET, 12345)))
    c.close()
    rec(f"{p}.use_after_close", outcome(lambda: c.send(b"x")))
    ls.close()
    b.close()
    # A socket closed while bound frees the port.
    rec(f"{p}.rebind_after_close",
        outcome(lambda: socket.socket(fam, socket.SOCK_STREAM).bind(used)))


def v4_mapped():
    """An IPv6 socket reaches an IPv4 listener through ::ffff:127.0.0.1."""
    p = "v4mapped"
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.bind(("127.0.0.1", 0))
    ls.listen(1)
    port = ls.getsockname()[1]
    s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
    s.connect(("::ffff:127.0.0.1", port))
    a, peer = ls.accept()
    rec(f"{p}.server_sees", host(peer))
    rec(f"{p}.client_peer", host(s.getpeername()))
    rec(f"{p}.client_local", host(s.getsockname()))
    s.sendall(b"mapped")
    rec(f"{p}.data", a.recv(10))
    s.close()
    a.close()
    ls.close()
    v6only = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
    v6only.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
    rec(f"{p}.v6only_connect",
        outcome(lambda: v6only.connect(("::ffff:127.0.0.1", port))))
    v6only.close()


# ---------------------------------------------------------------------------
def dup_fromfd(tag, fam, addr):
    p = f"dup{tag}"
    c, a = connected_pair(fam, addr)
    name = c.getsockname()
    d = c.dup()
    f = socket.fromfd(c.fileno(), fam, socket.SOCK_STREAM)
    rec(f"{p}.dup.distinct_fd", d.fileno() != c.fileno())
    rec(f"{p}.fromfd.distinct_fd", f.fileno() not in (c.fileno(), d.fileno()))
    rec(f"{p}.fromfd.family", socket.AddressFamily(f.family).name)
    rec(f"{p}.fromfd.type", socket.SocketKind(f.type).name)
    rec(f"{p}.dup.sockname_same", d.getsockname() == name)
    rec(f"{p}.fromfd.sockname_same", f.getsockname() == name)
    # Adopt a raw descriptor: family/type/proto detected from the fd.
    raw = os.dup(c.fileno())
    g = socket.socket(fileno=raw)
    rec(f"{p}.fileno_adopt", (socket.AddressFamily(g.family).name,
                              socket.SocketKind(g.type).name, g.proto))
    # dup2 onto a chosen descriptor number.
    target = 200
    os.dup2(c.fileno(), target)
    h = socket.socket(fileno=target)
    rec(f"{p}.dup2.sockname_same", h.getsockname() == name)
    # An option set through one descriptor shows through the others.
    d.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    rec(f"{p}.option_shared",
        c.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0)
    # Close the original: the copies still work, in both directions.
    c.close()
    d.sendall(b"via dup;")
    f.sendall(b"via fromfd;")
    g.sendall(b"via fileno;")
    h.sendall(b"via dup2;")
    rec(f"{p}.peer_got", recv_exact(a, 39))
    a.sendall(b"to copies")
    rec(f"{p}.copy_recv", h.recv(100))
    # The connection ends only when the last copy is closed.
    d.close()
    f.close()
    g.close()
    a.setblocking(False)
    rec(f"{p}.peer_recv_with_one_copy_left", outcome(lambda: a.recv(10)))
    a.setblocking(True)
    h.close()
    select.select([a], [], [], 5)
    rec(f"{p}.peer_recv_after_last_close", a.recv(10))
    a.close()
    # Closed descriptors are really closed.
    rec(f"{p}.fd_closed", outcome(lambda: os.fstat(target)))

    # A listener duplicated: accept through the dup.
    ls = socket.socket(fam, socket.SOCK_STREAM)
    ls.bind((addr, 0))
    ls.listen(2)
    ld = ls.dup()
    lname = ls.getsockname()
    ls.close()
    c = socket.socket(fam, socket.SOCK_STREAM)
    c.connect(lname)
    a2, peer = ld.accept()
    rec(f"{p}.listener_dup_accept", peer == c.getsockname())
    c.close()
    a2.close()
    ld.close()


def fork_shared(tag, fam, addr):
    """A connected socket shared with a forked child: the child writes and
    exits; the parent's copy still works after the child's exit."""
    p = f"fork{tag}"
    c, a = connected_pair(fam, addr)
    sys.stdout.flush()
    pid = os.fork()
    if pid == 0:
        try:
            c.sendall(b"from child")
            a.close()
            c.close()
        finally:
            os._exit(0)
    _, status = os.waitpid(pid, 0)
    rec(f"{p}.child_status", os.waitstatus_to_exitcode(status))
    rec(f"{p}.parent_got", a.recv(100))
    c.sendall(b"from parent")
    rec(f"{p}.parent_copy_still_works", a.recv(100))
    c.close()
    rec(f"{p}.eof_after_parent_close", a.recv(100))
    a.close()


def unix_passthrough():
    p = "unix"
    x, y = socket.socketpair()
    rec(f"{p}.family", socket.AddressFamily(x.family).name)
    x.sendall(b"unix data")
    rec(f"{p}.recv", y.recv(100))
    dx = x.dup()
    x.close()
    dx.sendall(b"after dup")
    rec(f"{p}.recv_dup", y.recv(100))
    dx.close()
    rec(f"{p}.eof", y.recv(100))
    y.close()


# ---------------------------------------------------------------------------
def main():
    maps_report = None
    args = sys.argv[1:]
    if len(args) == 2 and args[0] == "--maps-report":
        maps_report = args[1]
    elif args:
        print(__doc__, file=sys.stderr)
        return 2
    if maps_report:
        with open("/proc/self/maps") as m:
            loaded = "liblxwsk" in m.read()
        # Mapped but switched off counts as not preloaded.
        loaded = loaded and os.environ.get("LXWSK_DISABLE", "") != "1"
        with open(maps_report, "w") as out:
            out.write(f"preloaded: {'yes' if loaded else 'no'}\n")

    threading.Thread(target=watchdog, daemon=True).start()
    global _failed
    steps = []
    for tag, fam, addr in families():
        steps += [
            (f"tcp_threads_{tag}", tcp_threads, (tag, fam, addr)),
            (f"tcp_options_{tag}", tcp_options_and_flags, (tag, fam, addr)),
            (f"udp_{tag}", udp, (tag, fam, addr)),
            (f"nonblocking_connect_{tag}", nonblocking_connect, (tag, fam, addr)),
            (f"errors_{tag}", errors, (tag, fam, addr)),
            (f"dup_fromfd_{tag}", dup_fromfd, (tag, fam, addr)),
            (f"fork_{tag}", fork_shared, (tag, fam, addr)),
        ]
    if HAVE_V6:
        steps.append(("v4_mapped", v4_mapped, ()))
    steps.append(("unix_passthrough", unix_passthrough, ()))
    for name, fn, fargs in steps:
        rec("section", name)
        try:
            fn(*fargs)
        except Exception as e:  # recorded, and the run is a failure
            _failed = True
            en = ename(getattr(e, "errno", None))
            rec("!! unexpected", f"{name}: {type(e).__name__}/{en}: {e}")
    rec("end", "failed" if _failed else "ok")
    sys.stdout.write("".join(l + "\n" for l in _lines))
    sys.stdout.flush()
    return 1 if _failed else 0


if __name__ == "__main__":
    sys.exit(main())
