#include "tracing_provider.h"

#include <arpa/inet.h>

#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <ctime>

#include "wsk/ntstatus.h"

namespace wsk {
namespace {

// The filter's socket: its own WSK_SOCKET first, then the real one.
struct TracedSocket {
  WSK_SOCKET wsk;
  PWSK_SOCKET real;
  ULONG category;
};

TracedSocket* Traced(PWSK_SOCKET s) {
  return reinterpret_cast<TracedSocket*>(s);
}

const char* CategoryName(ULONG c) {
  switch (c & WSK_SOCKET_CATEGORY_MASK) {
    case WSK_FLAG_BASIC_SOCKET:
      return "BASIC";
    case WSK_FLAG_LISTEN_SOCKET:
      return "LISTEN";
    case WSK_FLAG_CONNECTION_SOCKET:
      return "CONNECTION";
    case WSK_FLAG_DATAGRAM_SOCKET:
      return "DATAGRAM";
    case WSK_FLAG_STREAM_SOCKET:
      return "STREAM";
    default:
      return "?";
  }
}

const char* FamilyName(ADDRESS_FAMILY f) {
  return f == WS_AF_INET ? "AF_INET" : f == WS_AF_INET6 ? "AF_INET6" : "AF_?";
}

uint64_t NowNs() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1000000000u +
         static_cast<uint64_t>(ts.tv_nsec);
}

// Hand-rolled number formatting for the data-path lines (vsnprintf costs
// thousands of instructions per call). Each writes at p and returns the end.
char* PutDec(char* p, unsigned long v) {
  char tmp[24];
  int n = 0;
  do {
    tmp[n++] = static_cast<char>('0' + v % 10);
    v /= 10;
  } while (v != 0);
  while (n > 0) *p++ = tmp[--n];
  return p;
}
// Upper-case hex, at least `width` digits.
char* PutHex(char* p, unsigned long v, int width) {
  char tmp[20];
  int n = 0;
  do {
    tmp[n++] = "0123456789ABCDEF"[v & 0xF];
    v >>= 4;
  } while (v != 0);
  while (n < width) tmp[n++] = '0';
  while (n > 0) *p++ = tmp[--n];
  return p;
}

// One WSK call's record: constructed before the call (start time), filled
// after it, handed to the sink.
class Line {
 public:
  Line() { rec_.start_ns = NowNs(); }
  void Put(const char* s, size_t n) {
    if (n > sizeof(buf_) - 1 - len_) n = sizeof(buf_) - 1 - len_;
    memcpy(buf_ + len_, s, n);
    len_ += n;
    buf_[len_] = '\0';
  }
  void Put(const char* s) { Put(s, strlen(s)); }
  // "Fn(WSK_BUF{len=N}, flags=0xF", as Add would write it.
  void BufCall(const char* fn, size_t length, ULONG flags) {
    char tmp[64];
    char* p = tmp;
    memcpy(p, "(WSK_BUF{len=", 13);
    p = PutDec(p + 13, length);
    memcpy(p, "}, flags=0x", 11);
    p = PutHex(p + 11, flags, 1);
    Put(fn);
    Put(tmp, static_cast<size_t>(p - tmp));
  }
  void Add(const char* fmt, ...) __attribute__((format(printf, 2, 3))) {
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf_ + len_, sizeof(buf_) - len_, fmt, ap);
    va_end(ap);
    if (n > 0)
      len_ += static_cast<size_t>(n) < sizeof(buf_) - len_
                  ? static_cast<size_t>(n)
                  : sizeof(buf_) - len_ - 1;
  }
  void Addr(const char* label, const SOCKADDR* a) {
    char tmp[96];
    size_t n = FormatSockaddr(a, tmp, sizeof(tmp));
    Put(label);
    Put(tmp, n < sizeof(tmp) ? n : sizeof(tmp) - 1);
  }
  // `socket_result`: Information is a PWSK_SOCKET, shown as a pointer.
  void Status(const IRP& irp, bool socket_result = false) {
    Done(irp.IoStatus.Status, irp.IoStatus.Information, socket_result);
    char custom[40];
    const char* name = NtStatusName(irp.IoStatus.Status);
    if (name == nullptr && IsUnmappedHostErrnoStatus(irp.IoStatus.Status)) {
      snprintf(custom, sizeof(custom), "LXWSK_HOST_ERRNO_%u",
               static_cast<unsigned>(irp.IoStatus.Status) & 0xFFFF);
      name = custom;
    }
    if (socket_result) {
      Add(") -> %s (0x%08X) socket=0x%lx", name ? name : "STATUS_?",
          static_cast<unsigned>(irp.IoStatus.Status),
          static_cast<unsigned long>(irp.IoStatus.Information));
      return;
    }
    // ") -> %s (0x%08X) info=%lu" by hand.
    Put(") -> ", 5);
    Put(name ? name : "STATUS_?");
    char tmp[48];
    char* p = tmp;
    memcpy(p, " (0x", 4);
    p = PutHex(p + 4, static_cast<unsigned>(irp.IoStatus.Status), 8);
    memcpy(p, ") info=", 7);
    p = PutDec(p + 7, static_cast<unsigned long>(irp.IoStatus.Information));
    Put(tmp, static_cast<size_t>(p - tmp));
  }
  void Done(NTSTATUS st, uintptr_t info, bool socket_result) {
    rec_.end_ns = NowNs();
    rec_.status = st;
    rec_.information = info;
    rec_.socket_result = socket_result;
    // The function name is the text up to '('; the arguments follow it.
    args_at_ = 0;
    while (args_at_ < len_ && buf_[args_at_] != '(') ++args_at_;
  }
  void Send(TraceSink* sink) {
    if (rec_.end_ns == 0) rec_.end_ns = NowNs();
    rec_.text = buf_;
    rec_.length = len_;
    rec_.function_length = args_at_;
    sink->WskCall(rec_);
  }

 private:
  char buf_[320];
  size_t len_ = 0;
  size_t args_at_ = 0;
  WskCallRecord rec_{};
};

class TracingProvider final : public WskProviderDispatch,
                              public WskProviderListenDispatch,
                              public WskProviderDatagramDispatch,
                              public WskProviderStreamDispatch {
 public:
  TracingProvider(WskProviderDispatch* real, TraceSink* sink)
      : real_(real), sink_(sink) {}

  const void* DispatchFor(ULONG category) const {
    switch (category) {
      case WSK_FLAG_LISTEN_SOCKET:
        return static_cast<const WskProviderListenDispatch*>(this);
      case WSK_FLAG_DATAGRAM_SOCKET:
        return static_cast<const WskProviderDatagramDispatch*>(this);
      case WSK_FLAG_BASIC_SOCKET:
      case WSK_FLAG_CONNECTION_SOCKET:
      case WSK_FLAG_STREAM_SOCKET:
      default:
        return static_cast<const WskProviderStreamDispatch*>(this);
    }
  }

  // Wraps a real socket the IRP carries; the filter's socket replaces it.
  void WrapResult(PIRP irp, ULONG category) {
    if (!NT_SUCCESS(irp->IoStatus.Status) || irp->IoStatus.Information == 0) {
      return;
    }
    auto* t = new TracedSocket;
    t->real = reinterpret_cast<PWSK_SOCKET>(irp->IoStatus.Information);
    t->category = category & WSK_SOCKET_CATEGORY_MASK;
    t->wsk.Dispatch = DispatchFor(t->category);
    irp->IoStatus.Information = reinterpret_cast<uintptr_t>(&t->wsk);
  }

  NTSTATUS WskSocket(PWSK_CLIENT Client, ADDRESS_FAMILY AddressFamily,
                     USHORT SocketType, ULONG Protocol, ULONG Flags,
                     void* SocketContext, const void* Dispatch, void* p1,
                     void* p2, void* p3, PIRP Irp) override {
    Line l;
    NTSTATUS st =
        real_->WskSocket(Client, AddressFamily, SocketType, Protocol, Flags,
                         SocketContext, Dispatch, p1, p2, p3, Irp);
    l.Add("WskSocket(%s(%u), type=%u, proto=%lu, %s%s",
          FamilyName(AddressFamily), AddressFamily, SocketType,
          static_cast<unsigned long>(Protocol), CategoryName(Flags),
          (Flags & WSK_FLAG_LX_INLINE) ? "|LX_INLINE" : "");
    l.Status(*Irp, true);
    l.Send(sink_);
    WrapResult(Irp, Flags);
    return st;
  }
  NTSTATUS WskSocketConnect(PWSK_CLIENT Client, USHORT SocketType,
                            ULONG Protocol, const SOCKADDR* Local,
                            const SOCKADDR* Remote, ULONG Flags, void* Ctx,
                            const WSK_CLIENT_CONNECTION_DISPATCH* D, void* p1,
                            void* p2, void* p3, PIRP Irp) override {
    Line l;
    NTSTATUS st =
        real_->WskSocketConnect(Client, SocketType, Protocol, Local, Remote,
                                Flags, Ctx, D, p1, p2, p3, Irp);
    l.Addr("WskSocketConnect(remote=", Remote);
    l.Status(*Irp, true);
    l.Send(sink_);
    WrapResult(Irp, WSK_FLAG_CONNECTION_SOCKET);
    return st;
  }
  NTSTATUS WskControlClient(PWSK_CLIENT Client, ULONG Code, SIZE_T InSize,
                            const void* In, SIZE_T OutSize, void* Out,
                            SIZE_T* Ret, PIRP Irp) override {
    return real_->WskControlClient(Client, Code, InSize, In, OutSize, Out, Ret,
                                   Irp);
  }
  NTSTATUS WskLxAdoptSocket(PWSK_CLIENT Client, int Handle, ADDRESS_FAMILY F,
                            USHORT T, ULONG P, ULONG Flags, PIRP Irp) override {
    Line l;
    NTSTATUS st = real_->WskLxAdoptSocket(Client, Handle, F, T, P, Flags, Irp);
    l.Add("WskLxAdoptSocket(handle=%d, %s(%u), %s", Handle, FamilyName(F), F,
          CategoryName(Flags));
    l.Status(*Irp, true);
    l.Send(sink_);
    WrapResult(Irp, Flags);
    return st;
  }

  // ---- socket level: unwrap, forward, record ----
  static WskProviderBasicDispatch* Basic(TracedSocket* t) {
    void* d = const_cast<void*>(t->real->Dispatch);
    if (t->category == WSK_FLAG_DATAGRAM_SOCKET) {
      return static_cast<WskProviderDatagramDispatch*>(d);
    }
    if (t->category == WSK_FLAG_LISTEN_SOCKET) {
      return static_cast<WskProviderListenDispatch*>(d);
    }
    return static_cast<WskProviderConnectionDispatch*>(d);
  }
  static WskProviderStreamDispatch* Stream(TracedSocket* t) {
    return static_cast<WskProviderStreamDispatch*>(
        const_cast<void*>(t->real->Dispatch));
  }
  static WskProviderConnectionDispatch* Conn(TracedSocket* t) {
    return static_cast<WskProviderConnectionDispatch*>(
        const_cast<void*>(t->real->Dispatch));
  }
  static WskProviderDatagramDispatch* Dgram(TracedSocket* t) {
    return static_cast<WskProviderDatagramDispatch*>(
        const_cast<void*>(t->real->Dispatch));
  }
  static WskProviderListenDispatch* Listen(TracedSocket* t) {
    return static_cast<WskProviderListenDispatch*>(
        const_cast<void*>(t->real->Dispatch));
  }

  NTSTATUS WskControlSocket(PWSK_SOCKET S, WSK_CONTROL_SOCKET_TYPE Type,
                            ULONG Code, ULONG Level, SIZE_T InSize,
                            const void* In, SIZE_T OutSize, void* Out,
                            SIZE_T* Ret, PIRP Irp) override {
    TracedSocket* t = Traced(S);
    Line l;
    NTSTATUS st = Basic(t)->WskControlSocket(t->real, Type, Code, Level, InSize,
                                             In, OutSize, Out, Ret, Irp);
    static const char* kTypes[] = {"WskSetOption", "WskGetOption", "WskIoctl"};
    l.Add("WskControlSocket(%s, code=0x%lX, level=0x%lX, in=%zu, out=%zu",
          Type < 3 ? kTypes[Type] : "?", static_cast<unsigned long>(Code),
          static_cast<unsigned long>(Level), InSize, OutSize);
    if (Irp != nullptr) {
      l.Status(*Irp);
    } else {
      const char* name = NtStatusName(st);
      l.Done(st, Ret ? *Ret : 0, false);
      l.Add(") -> %s (0x%08X) [no IRP]", name ? name : "STATUS_?",
            static_cast<unsigned>(st));
    }
    l.Send(sink_);
    return st;
  }
  NTSTATUS WskCloseSocket(PWSK_SOCKET S, PIRP Irp) override {
    TracedSocket* t = Traced(S);
    Line l;
    NTSTATUS st = Basic(t)->WskCloseSocket(t->real, Irp);
    l.Add("WskCloseSocket(handle=%d", Irp->RequestorHandle);
    l.Status(*Irp);
    l.Send(sink_);
    delete t;
    return st;
  }
  NTSTATUS WskBind(PWSK_SOCKET S, const SOCKADDR* A, ULONG Flags,
                   PIRP Irp) override {
    TracedSocket* t = Traced(S);
    Line l;
    NTSTATUS st = t->category == WSK_FLAG_DATAGRAM_SOCKET
                      ? Dgram(t)->WskBind(t->real, A, Flags, Irp)
                  : t->category == WSK_FLAG_LISTEN_SOCKET
                      ? Listen(t)->WskBind(t->real, A, Flags, Irp)
                      : Conn(t)->WskBind(t->real, A, Flags, Irp);
    if (A != nullptr) {
      l.Addr("WskBind(", A);
    } else {
      l.Add("WskBind(NULL");
    }
    l.Add(", flags=0x%lX%s", static_cast<unsigned long>(Flags),
          (Flags & WSK_FLAG_LX_IMPLICIT_BIND) ? " LX_IMPLICIT_BIND" : "");
    l.Status(*Irp);
    l.Send(sink_);
    return st;
  }
  NTSTATUS WskListen(PWSK_SOCKET S, PIRP Irp) override {
    TracedSocket* t = Traced(S);
    Line l;
    NTSTATUS st = Stream(t)->WskListen(t->real, Irp);
    l.Add("WskListen(");
    l.Status(*Irp);
    l.Send(sink_);
    return st;
  }
  NTSTATUS WskAccept(PWSK_SOCKET S, ULONG Flags, void* Ctx,
                     const WSK_CLIENT_CONNECTION_DISPATCH* D, PSOCKADDR Local,
                     PSOCKADDR Remote, PIRP Irp) override {
    TracedSocket* t = Traced(S);
    Line l;
    NTSTATUS st =
        t->category == WSK_FLAG_LISTEN_SOCKET
            ? Listen(t)->WskAccept(t->real, Flags, Ctx, D, Local, Remote, Irp)
            : Stream(t)->WskAccept(t->real, Flags, Ctx, D, Local, Remote, Irp);
    l.Add("WskAccept(flags=0x%lX", static_cast<unsigned long>(Flags));
    if (Remote != nullptr && NT_SUCCESS(Irp->IoStatus.Status)) {
      l.Addr(", remote=", Remote);
    }
    l.Status(*Irp, true);
    l.Send(sink_);
    WrapResult(Irp, WSK_FLAG_CONNECTION_SOCKET);
    return st;
  }
  NTSTATUS WskConnect(PWSK_SOCKET S, const SOCKADDR* A, ULONG Flags,
                      PIRP Irp) override {
    TracedSocket* t = Traced(S);
    Line l;
    NTSTATUS st = Conn(t)->WskConnect(t->real, A, Flags, Irp);
    l.Addr("WskConnect(", A);
    l.Status(*Irp);
    l.Send(sink_);
    return st;
  }
  NTSTATUS WskGetLocalAddress(PWSK_SOCKET S, PSOCKADDR A, PIRP Irp) override {
    TracedSocket* t = Traced(S);
    Line l;
    NTSTATUS st = t->category == WSK_FLAG_DATAGRAM_SOCKET
                      ? Dgram(t)->WskGetLocalAddress(t->real, A, Irp)
                  : t->category == WSK_FLAG_LISTEN_SOCKET
                      ? Listen(t)->WskGetLocalAddress(t->real, A, Irp)
                      : Conn(t)->WskGetLocalAddress(t->real, A, Irp);
    l.Add("WskGetLocalAddress(");
    if (NT_SUCCESS(Irp->IoStatus.Status)) l.Addr("", A);
    l.Status(*Irp);
    l.Send(sink_);
    return st;
  }
  NTSTATUS WskGetRemoteAddress(PWSK_SOCKET S, PSOCKADDR A, PIRP Irp) override {
    TracedSocket* t = Traced(S);
    Line l;
    NTSTATUS st = t->category == WSK_FLAG_DATAGRAM_SOCKET
                      ? Dgram(t)->WskGetRemoteAddress(t->real, A, Irp)
                      : Conn(t)->WskGetRemoteAddress(t->real, A, Irp);
    l.Add("WskGetRemoteAddress(");
    if (NT_SUCCESS(Irp->IoStatus.Status)) l.Addr("", A);
    l.Status(*Irp);
    l.Send(sink_);
    return st;
  }
  NTSTATUS WskSend(PWSK_SOCKET S, PWSK_BUF B, ULONG Flags, PIRP Irp) override {
    TracedSocket* t = Traced(S);
    Line l;
    NTSTATUS st = Conn(t)->WskSend(t->real, B, Flags, Irp);
    l.BufCall("WskSend", B->Length, Flags);
    l.Status(*Irp);
    l.Send(sink_);
    return st;
  }
  NTSTATUS WskReceive(PWSK_SOCKET S, PWSK_BUF B, ULONG Flags,
                      PIRP Irp) override {
    TracedSocket* t = Traced(S);
    Line l;
    NTSTATUS st = Conn(t)->WskReceive(t->real, B, Flags, Irp);
    l.BufCall("WskReceive", B->Length, Flags);
    l.Status(*Irp);
    l.Send(sink_);
    return st;
  }
  NTSTATUS WskDisconnect(PWSK_SOCKET S, PWSK_BUF B, ULONG Flags,
                         PIRP Irp) override {
    TracedSocket* t = Traced(S);
    Line l;
    NTSTATUS st = Conn(t)->WskDisconnect(t->real, B, Flags, Irp);
    l.Add("WskDisconnect(flags=0x%lX%s", static_cast<unsigned long>(Flags),
          (Flags & WSK_FLAG_ABORTIVE) ? " ABORTIVE" : "");
    l.Status(*Irp);
    l.Send(sink_);
    return st;
  }
  NTSTATUS WskLxSendMessage(PWSK_SOCKET S, PWSK_BUF B, ULONG Flags, ULONG CL,
                            const CMSGHDR* C, PIRP Irp) override {
    TracedSocket* t = Traced(S);
    Line l;
    NTSTATUS st = Conn(t)->WskLxSendMessage(t->real, B, Flags, CL, C, Irp);
    l.Add("WskLxSendMessage(WSK_BUF{len=%zu}, flags=0x%lX, control=%lu",
          B->Length, static_cast<unsigned long>(Flags),
          static_cast<unsigned long>(CL));
    l.Status(*Irp);
    l.Send(sink_);
    return st;
  }
  NTSTATUS WskLxReceiveMessage(PWSK_SOCKET S, PWSK_BUF B, ULONG Flags,
                               ULONG* CL, CMSGHDR* C, ULONG* CF,
                               PIRP Irp) override {
    TracedSocket* t = Traced(S);
    Line l;
    NTSTATUS st =
        Conn(t)->WskLxReceiveMessage(t->real, B, Flags, CL, C, CF, Irp);
    l.Add("WskLxReceiveMessage(WSK_BUF{len=%zu}, flags=0x%lX, control=%lu",
          B->Length, static_cast<unsigned long>(Flags),
          static_cast<unsigned long>(CL != nullptr ? *CL : 0));
    l.Status(*Irp);
    l.Send(sink_);
    return st;
  }
  NTSTATUS WskSendTo(PWSK_SOCKET S, PWSK_BUF B, ULONG Flags, const SOCKADDR* A,
                     ULONG CL, const CMSGHDR* C, PIRP Irp) override {
    TracedSocket* t = Traced(S);
    Line l;
    NTSTATUS st = Dgram(t)->WskSendTo(t->real, B, Flags, A, CL, C, Irp);
    l.BufCall("WskSendTo", B->Length, Flags);
    if (A != nullptr) l.Addr(", remote=", A);
    l.Status(*Irp);
    l.Send(sink_);
    return st;
  }
  NTSTATUS WskReceiveFrom(PWSK_SOCKET S, PWSK_BUF B, ULONG Flags, PSOCKADDR A,
                          ULONG* CL, CMSGHDR* C, ULONG* CF, PIRP Irp) override {
    TracedSocket* t = Traced(S);
    Line l;
    NTSTATUS st =
        Dgram(t)->WskReceiveFrom(t->real, B, Flags, A, CL, C, CF, Irp);
    l.BufCall("WskReceiveFrom", B->Length, Flags);
    if (A != nullptr && NT_SUCCESS(Irp->IoStatus.Status))
      l.Addr(", remote=", A);
    l.Status(*Irp);
    l.Send(sink_);
    return st;
  }

 private:
  WskProviderDispatch* real_;
  TraceSink* sink_;
};

}  // namespace

size_t FormatSockaddr(const SOCKADDR* a, char* out, size_t cap) {
  if (a == nullptr) return static_cast<size_t>(snprintf(out, cap, "NULL"));
  char host[64] = "?";
  unsigned port = 0;
  if (a->sa_family == WS_AF_INET && cap >= 40) {
    // "AF_INET(2) a.b.c.d:port" by hand (at most 32 bytes with the NUL).
    const auto* in = reinterpret_cast<const SOCKADDR_IN*>(a);
    uint8_t b[4];
    memcpy(b, &in->sin_addr, 4);
    char* p = out;
    memcpy(p, "AF_INET(2) ", 11);
    p += 11;
    for (int i = 0; i < 4; ++i) {
      if (i > 0) *p++ = '.';
      p = PutDec(p, b[i]);
    }
    *p++ = ':';
    p = PutDec(p, ntohs(in->sin_port));
    *p = '\0';
    return static_cast<size_t>(p - out);
  }
  if (a->sa_family == WS_AF_INET) {
    const auto* in = reinterpret_cast<const SOCKADDR_IN*>(a);
    inet_ntop(AF_INET, &in->sin_addr, host, sizeof(host));
    port = ntohs(in->sin_port);
    return static_cast<size_t>(
        snprintf(out, cap, "AF_INET(2) %s:%u", host, port));
  }
  if (a->sa_family == WS_AF_INET6) {
    const auto* in6 = reinterpret_cast<const SOCKADDR_IN6*>(a);
    inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof(host));
    port = ntohs(in6->sin6_port);
    return static_cast<size_t>(
        snprintf(out, cap, "AF_INET6(23) [%s]:%u", host, port));
  }
  return static_cast<size_t>(
      snprintf(out, cap, "family(%u)", static_cast<unsigned>(a->sa_family)));
}

WskProviderDispatch* NewTracingProvider(WskProviderDispatch* real,
                                        TraceSink* sink) {
  return new TracingProvider(real, sink);
}

}  // namespace wsk
