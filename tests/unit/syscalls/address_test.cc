// Internals of the syscalls layer: sockaddr <-> SOCKADDR at the boundary
// (address.h) and EFAULT-safe user memory access (user_memory.h).
#include "address.h"

#include <netinet/in.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <cerrno>
#include <cstring>

#include "gtest/gtest.h"
#include "mocks/mock_wsk_dispatch.h"
#include "user_memory.h"
#include "wsk/ws_types.h"

namespace lxwsk_test {
namespace {

constexpr size_t kPage = 4096;

// Two adjacent pages, the first read-write and the second `second_prot`;
// mapped once per protection and never unmapped (the layer remembers pages
// it copied from, so they must stay valid).
char* PagePair(int second_prot) {
  void* p = mmap(nullptr, 2 * kPage, PROT_READ | PROT_WRITE,
                 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) return nullptr;
  if (mprotect(static_cast<char*>(p) + kPage, kPage, second_prot) != 0) {
    return nullptr;
  }
  return static_cast<char*>(p);
}
char* ReadWriteThenNoAccess() {
  static char* p = PagePair(PROT_NONE);
  return p;
}
char* ReadWriteThenReadOnly() {
  static char* p = PagePair(PROT_READ);
  return p;
}

// ---------------------------------------------------------------------------
// AddressIn: the checks of inet_bind, inet6_bind, inet_stream_connect,
// inet_dgram_connect, tcp_v4/v6_connect, ip4/6_datagram_connect,
// udp_sendmsg and udpv6_sendmsg, for a socket of the given family.

long In(const void* addr, socklen_t len, lx::AddrUse use, int socket_family,
        wsk::SOCKADDR_STORAGE* ws) {
  return lx::AddressIn(static_cast<const sockaddr*>(addr), len, use,
                       socket_family, ws);
}

constexpr lx::AddrUse kUses[] = {lx::AddrUse::kBind, lx::AddrUse::kConnect,
                                 lx::AddrUse::kConnectStream,
                                 lx::AddrUse::kSendTo};

TEST(AddressInTest, Ipv4KeepsItsBytes) {
  const sockaddr_in lin = LinuxIn4(8080, 10, 1, 2, 3);
  for (lx::AddrUse use : kUses) {
    SCOPED_TRACE(static_cast<int>(use));
    wsk::SOCKADDR_STORAGE ws;
    memset(&ws, 0x55, sizeof(ws));
    ASSERT_EQ(In(&lin, sizeof(lin), use, AF_INET, &ws), 0);
    EXPECT_EQ(ws.ss_family, wsk::WS_AF_INET);
    EXPECT_EQ(Bytes(&ws, sizeof(lin)), Bytes(&lin, sizeof(lin)));
    // The rest of the storage is cleared, not left over.
    const auto* p = reinterpret_cast<const unsigned char*>(&ws);
    for (size_t i = sizeof(lin); i < sizeof(ws); ++i) ASSERT_EQ(p[i], 0) << i;
  }
}

TEST(AddressInTest, Ipv6FamilyBecomes23) {
  const sockaddr_in6 lin = LinuxIn6(443, 0x99);
  for (lx::AddrUse use : kUses) {
    SCOPED_TRACE(static_cast<int>(use));
    wsk::SOCKADDR_STORAGE ws;
    ASSERT_EQ(In(&lin, sizeof(lin), use, AF_INET6, &ws), 0);
    EXPECT_EQ(ws.ss_family, 23);
    EXPECT_EQ(Bytes(reinterpret_cast<char*>(&ws) + 2, sizeof(lin) - 2),
              Bytes(reinterpret_cast<const char*>(&lin) + 2, sizeof(lin) - 2));
    wsk::SOCKADDR_IN6 w;
    memcpy(&w, &ws, sizeof(w));
    EXPECT_EQ(w.sin6_port, htons(443));
    EXPECT_EQ(w.sin6_scope_id, 3u);
  }
}

TEST(AddressInTest, Rfc2133LengthIsEnoughForIpv6) {
  const sockaddr_in6 lin = LinuxIn6(443, 0x99);
  for (lx::AddrUse use : kUses) {
    SCOPED_TRACE(static_cast<int>(use));
    wsk::SOCKADDR_STORAGE ws;
    ASSERT_EQ(In(&lin, 24, use, AF_INET6, &ws), 0);
    wsk::SOCKADDR_IN6 w;
    memcpy(&w, &ws, sizeof(w));
    EXPECT_EQ(w.sin6_family, 23);
    EXPECT_EQ(w.sin6_scope_id, 0u);  // not copied, not garbage
    EXPECT_EQ(In(&lin, 23, use, AF_INET6, &ws), -EINVAL);
  }
}

TEST(AddressInTest, GenericLengthRules) {
  // move_addr_to_kernel, then the protocol's minimum.
  const sockaddr_in in4 = LinuxIn4(1, 1, 2, 3, 4);
  sockaddr_storage big{};
  memcpy(&big, &in4, sizeof(in4));
  wsk::SOCKADDR_STORAGE ws;
  for (lx::AddrUse use : kUses) {
    SCOPED_TRACE(static_cast<int>(use));
    EXPECT_EQ(In(&in4, 0, use, AF_INET, &ws), -EINVAL);
    EXPECT_EQ(In(&in4, 1, use, AF_INET, &ws), -EINVAL);
    EXPECT_EQ(In(&in4, 8, use, AF_INET, &ws), -EINVAL);
    EXPECT_EQ(In(&in4, 15, use, AF_INET, &ws), -EINVAL);
    EXPECT_EQ(In(&big, sizeof(big) + 1, use, AF_INET, &ws), -EINVAL);
    EXPECT_EQ(In(&in4, static_cast<socklen_t>(-1), use, AF_INET, &ws), -EINVAL);
    EXPECT_EQ(In(&big, sizeof(big) + 1, use, AF_INET6, &ws), -EINVAL);
    // Longer than needed, up to sockaddr_storage, is fine.
    EXPECT_EQ(In(&big, sizeof(big), use, AF_INET, &ws), 0);
  }
}

TEST(AddressInTest, BadPointersAreEfault) {
  wsk::SOCKADDR_STORAGE ws;
  EXPECT_EQ(In(reinterpret_cast<const void*>(1), 16, lx::AddrUse::kBind,
               AF_INET, &ws),
            -EFAULT);
  EXPECT_EQ(In(nullptr, 16, lx::AddrUse::kBind, AF_INET, &ws), -EFAULT);
  EXPECT_EQ(In(NoAccessPage(), 28, lx::AddrUse::kSendTo, AF_INET6, &ws),
            -EFAULT);
  // An address running into an inaccessible page.
  char* pages = ReadWriteThenNoAccess();
  ASSERT_NE(pages, nullptr);
  EXPECT_EQ(In(pages + kPage - 8, 16, lx::AddrUse::kConnect, AF_INET, &ws),
            -EFAULT);
}

TEST(AddressInTest, Ipv4SocketRefusesOtherFamilies) {
  const sockaddr_in6 in6 = LinuxIn6(1, 1);
  sockaddr_un un{};
  un.sun_family = AF_UNIX;
  wsk::SOCKADDR_STORAGE ws;
  for (lx::AddrUse use : kUses) {
    SCOPED_TRACE(static_cast<int>(use));
    EXPECT_EQ(In(&in6, sizeof(in6), use, AF_INET, &ws), -EAFNOSUPPORT);
    EXPECT_EQ(In(&un, sizeof(un), use, AF_INET, &ws), -EAFNOSUPPORT);
    // The length is judged first.
    EXPECT_EQ(In(&un, 4, use, AF_INET, &ws), -EINVAL);
  }
}

TEST(AddressInTest, Ipv6SocketFamilyRules) {
  const sockaddr_in in4 = LinuxIn4(53, 8, 8, 8, 8);
  sockaddr_storage in4_long{};
  memcpy(&in4_long, &in4, sizeof(in4));
  sockaddr_un un{};
  un.sun_family = AF_UNIX;
  wsk::SOCKADDR_STORAGE ws;
  // inet6_bind: shorter than 24 is EINVAL, another family EAFNOSUPPORT.
  EXPECT_EQ(In(&in4, sizeof(in4), lx::AddrUse::kBind, AF_INET6, &ws), -EINVAL);
  EXPECT_EQ(In(&in4_long, 28, lx::AddrUse::kBind, AF_INET6, &ws),
            -EAFNOSUPPORT);
  // connect: an IPv4 address goes to the host (UDP takes it, TCP refuses).
  ASSERT_EQ(In(&in4, sizeof(in4), lx::AddrUse::kConnect, AF_INET6, &ws), 0);
  EXPECT_EQ(ws.ss_family, wsk::WS_AF_INET);
  EXPECT_EQ(In(&un, sizeof(un), lx::AddrUse::kConnect, AF_INET6, &ws),
            -EAFNOSUPPORT);
  // udpv6_sendmsg: IPv4 goes to udp_sendmsg; other families are EINVAL.
  ASSERT_EQ(In(&in4, sizeof(in4), lx::AddrUse::kSendTo, AF_INET6, &ws), 0);
  EXPECT_EQ(ws.ss_family, wsk::WS_AF_INET);
  EXPECT_EQ(In(&un, sizeof(un), lx::AddrUse::kSendTo, AF_INET6, &ws), -EINVAL);
}

TEST(AddressInTest, UnspecOnIpv4) {
  sockaddr_in unspec = LinuxIn4(80, 0, 0, 0, 0);
  unspec.sin_family = AF_UNSPEC;
  wsk::SOCKADDR_STORAGE ws;
  // inet_bind: AF_UNSPEC with INADDR_ANY is AF_INET; with any other address
  // EAFNOSUPPORT.
  ASSERT_EQ(In(&unspec, sizeof(unspec), lx::AddrUse::kBind, AF_INET, &ws), 0);
  EXPECT_EQ(ws.ss_family, wsk::WS_AF_INET);
  sockaddr_in unspec_addr = LinuxIn4(80, 10, 0, 0, 1);
  unspec_addr.sin_family = AF_UNSPEC;
  EXPECT_EQ(
      In(&unspec_addr, sizeof(unspec_addr), lx::AddrUse::kBind, AF_INET, &ws),
      -EAFNOSUPPORT);
  // udp_sendmsg: AF_UNSPEC is read as AF_INET.
  ASSERT_EQ(
      In(&unspec_addr, sizeof(unspec_addr), lx::AddrUse::kSendTo, AF_INET, &ws),
      0);
  EXPECT_EQ(ws.ss_family, wsk::WS_AF_INET);
  EXPECT_EQ(Bytes(reinterpret_cast<char*>(&ws) + 2, 6),
            Bytes(reinterpret_cast<char*>(&unspec_addr) + 2, 6));
  // connect: AF_UNSPEC dissolves the association.
  ASSERT_EQ(In(&unspec, sizeof(sockaddr), lx::AddrUse::kConnect, AF_INET, &ws),
            0);
  EXPECT_EQ(ws.ss_family, wsk::WS_AF_UNSPEC);
}

TEST(AddressInTest, UnspecConnectNeedsOnlyTheFamily) {
  // __inet_stream_connect / inet_dgram_connect disconnect on AF_UNSPEC
  // before any protocol length check.
  sockaddr unspec{};
  unspec.sa_family = AF_UNSPEC;
  for (int socket_family : {AF_INET, AF_INET6}) {
    for (lx::AddrUse use :
         {lx::AddrUse::kConnect, lx::AddrUse::kConnectStream}) {
      SCOPED_TRACE(testing::Message()
                   << socket_family << "/" << static_cast<int>(use));
      wsk::SOCKADDR_STORAGE ws;
      ASSERT_EQ(In(&unspec, sizeof(sa_family_t), use, socket_family, &ws), 0);
      EXPECT_EQ(ws.ss_family, wsk::WS_AF_UNSPEC);
      EXPECT_EQ(In(&unspec, 1, use, socket_family, &ws), -EINVAL);
    }
  }
}

TEST(AddressInTest, Ipv6StreamConnectRules) {
  // tcp_v6_connect, unlike ip6_datagram_connect, refuses IPv4 addresses.
  const sockaddr_in in4 = LinuxIn4(80, 1, 2, 3, 4);
  sockaddr_storage in4_long{};
  memcpy(&in4_long, &in4, sizeof(in4));
  const sockaddr_in6 in6 = LinuxIn6(80, 1);
  wsk::SOCKADDR_STORAGE ws;
  EXPECT_EQ(In(&in4, sizeof(in4), lx::AddrUse::kConnectStream, AF_INET6, &ws),
            -EINVAL);
  EXPECT_EQ(In(&in4_long, sizeof(sockaddr_in6), lx::AddrUse::kConnectStream,
               AF_INET6, &ws),
            -EAFNOSUPPORT);
  EXPECT_EQ(In(&in6, 23, lx::AddrUse::kConnectStream, AF_INET6, &ws), -EINVAL);
  ASSERT_EQ(In(&in6, 24, lx::AddrUse::kConnectStream, AF_INET6, &ws), 0);
  EXPECT_EQ(ws.ss_family, 23);
  // tcp_v4_connect: the length, then the family.
  EXPECT_EQ(In(&in6, sizeof(in6), lx::AddrUse::kConnectStream, AF_INET, &ws),
            -EAFNOSUPPORT);
}

TEST(AddressInTest, UnspecOnIpv6) {
  sockaddr_in6 unspec{};
  unspec.sin6_family = AF_UNSPEC;
  wsk::SOCKADDR_STORAGE ws;
  EXPECT_EQ(In(&unspec, sizeof(unspec), lx::AddrUse::kBind, AF_INET6, &ws),
            -EAFNOSUPPORT);
  // connect: only the family is needed to dissolve.
  ASSERT_EQ(
      In(&unspec, sizeof(sa_family_t), lx::AddrUse::kConnect, AF_INET6, &ws),
      0);
  EXPECT_EQ(ws.ss_family, wsk::WS_AF_UNSPEC);
  // udpv6_sendmsg: AF_UNSPEC means "no address".
  ASSERT_EQ(In(&unspec, sizeof(sockaddr), lx::AddrUse::kSendTo, AF_INET6, &ws),
            0);
  EXPECT_EQ(ws.ss_family, wsk::WS_AF_UNSPEC);
}

// ---------------------------------------------------------------------------
// AddressOut / AddressOutLength

TEST(AddressOutTest, ConvertsAndReportsTheFullLength) {
  const sockaddr_in6 lin = LinuxIn6(80, 1);
  const wsk::SOCKADDR_STORAGE ws = WindowsForm(lin);
  sockaddr_storage out;
  memset(&out, 0xAA, sizeof(out));
  socklen_t len = sizeof(out);
  ASSERT_EQ(lx::AddressOut(reinterpret_cast<const wsk::SOCKADDR*>(&ws),
                           sizeof(wsk::SOCKADDR_IN6),
                           reinterpret_cast<sockaddr*>(&out), &len),
            0);
  EXPECT_EQ(len, 28u);
  EXPECT_EQ(Bytes(&out, sizeof(lin)), Bytes(&lin, sizeof(lin)));
  const auto* p = reinterpret_cast<const unsigned char*>(&out);
  for (size_t i = sizeof(lin); i < sizeof(out); ++i) ASSERT_EQ(p[i], 0xAA);
}

TEST(AddressOutTest, TruncatesToTheCallersLength) {
  const sockaddr_in lin = LinuxIn4(80, 1, 2, 3, 4);
  const wsk::SOCKADDR_STORAGE ws = WindowsForm(lin);
  for (socklen_t cap : {0u, 1u, 2u, 7u, 15u}) {
    SCOPED_TRACE(cap);
    unsigned char out[16];
    memset(out, 0xAA, sizeof(out));
    socklen_t len = cap;
    ASSERT_EQ(lx::AddressOut(reinterpret_cast<const wsk::SOCKADDR*>(&ws), 16,
                             reinterpret_cast<sockaddr*>(out), &len),
              0);
    EXPECT_EQ(len, 16u);
    EXPECT_EQ(Bytes(out, cap), Bytes(&lin, cap));
    for (size_t i = cap; i < sizeof(out); ++i) ASSERT_EQ(out[i], 0xAA) << i;
  }
}

TEST(AddressOutTest, ZeroCapacityNeverTouchesTheBuffer) {
  const wsk::SOCKADDR_STORAGE ws = WindowsForm(LinuxIn4(80, 1, 2, 3, 4));
  socklen_t len = 0;
  EXPECT_EQ(lx::AddressOut(reinterpret_cast<const wsk::SOCKADDR*>(&ws), 16,
                           static_cast<sockaddr*>(NoAccessPage()), &len),
            0);
  EXPECT_EQ(len, 16u);
}

TEST(AddressOutTest, NoAddressReportsLengthZero) {
  socklen_t len = 64;
  unsigned char out[4] = {0xAA, 0xAA, 0xAA, 0xAA};
  EXPECT_EQ(lx::AddressOut(nullptr, 0, reinterpret_cast<sockaddr*>(out), &len),
            0);
  EXPECT_EQ(len, 0u);
  EXPECT_EQ(out[0], 0xAA);
}

TEST(AddressOutTest, BadLengthOrBufferIsAnError) {
  const wsk::SOCKADDR_STORAGE ws = WindowsForm(LinuxIn4(80, 1, 2, 3, 4));
  const auto* a = reinterpret_cast<const wsk::SOCKADDR*>(&ws);
  sockaddr_in out;
  socklen_t negative = static_cast<socklen_t>(-1);
  EXPECT_EQ(lx::AddressOut(a, 16, reinterpret_cast<sockaddr*>(&out), &negative),
            -EINVAL);
  EXPECT_EQ(lx::AddressOut(a, 16, reinterpret_cast<sockaddr*>(&out),
                           static_cast<socklen_t*>(NoAccessPage())),
            -EFAULT);
  EXPECT_EQ(lx::AddressOut(a, 16, reinterpret_cast<sockaddr*>(&out), nullptr),
            -EFAULT);
  socklen_t len = 16;
  EXPECT_EQ(lx::AddressOut(a, 16, static_cast<sockaddr*>(NoAccessPage()), &len),
            -EFAULT);
  // A length in read-only memory cannot be updated.
  char* pages = ReadWriteThenReadOnly();
  ASSERT_NE(pages, nullptr);
  auto* ro_len = reinterpret_cast<socklen_t*>(pages + kPage);
  EXPECT_EQ(lx::AddressOut(a, 16, reinterpret_cast<sockaddr*>(&out), ro_len),
            -EFAULT);
}

TEST(AddressOutTest, AddressOutLength) {
  socklen_t in = 28, out = 0;
  EXPECT_EQ(lx::AddressOutLength(&in, &out), 0);
  EXPECT_EQ(out, 28u);
  in = static_cast<socklen_t>(-5);
  EXPECT_EQ(lx::AddressOutLength(&in, &out), -EINVAL);
  EXPECT_EQ(lx::AddressOutLength(reinterpret_cast<socklen_t*>(1), &out),
            -EFAULT);
}

// The data path's memo of the last address buffer (tls_address_out): the
// same buffer again takes the inline form, and every other case (another
// buffer, a shorter length, a longer address) still gets Linux's result.
TEST(AddressOutTest, RepeatedBufferAndEveryChangeGiveTheSameResults) {
  const sockaddr_in lin4 = LinuxIn4(80, 1, 2, 3, 4);
  const wsk::SOCKADDR_STORAGE ws4 = WindowsForm(lin4);
  const auto* w4 = reinterpret_cast<const wsk::SOCKADDR*>(&ws4);
  sockaddr_in6 lin6{};
  lin6.sin6_family = AF_INET6;
  lin6.sin6_port = htons(53);
  lin6.sin6_addr.s6_addr[15] = 1;
  lin6.sin6_scope_id = 7;
  const wsk::SOCKADDR_STORAGE ws6 = WindowsForm(lin6);
  const auto* w6 = reinterpret_cast<const wsk::SOCKADDR*>(&ws6);
  alignas(8) unsigned char a[sizeof(sockaddr_in6)];
  alignas(8) unsigned char b[sizeof(sockaddr_in6)];
  socklen_t len_a, len_b;
  auto out = [](const wsk::SOCKADDR* ws, socklen_t ws_len, void* buf,
                socklen_t* len, socklen_t cap) {
    memset(buf, 0xAA, sizeof(sockaddr_in6));
    *len = cap;
    return lx::AddressOut(ws, ws_len, static_cast<sockaddr*>(buf), len);
  };
  for (int round = 0; round < 3; ++round) {  // first, then remembered
    SCOPED_TRACE(round);
    ASSERT_EQ(out(w4, 16, a, &len_a, sizeof(a)), 0);
    EXPECT_EQ(len_a, 16u);
    EXPECT_EQ(Bytes(a, 16), Bytes(&lin4, 16));
    EXPECT_EQ(a[16], 0xAA);
  }
  EXPECT_EQ(lx::tls_address_out.user, static_cast<void*>(a));
  // The remembered buffer, now too short: truncated, full length reported.
  ASSERT_EQ(out(w4, 16, a, &len_a, 5), 0);
  EXPECT_EQ(len_a, 16u);
  EXPECT_EQ(Bytes(a, 5), Bytes(&lin4, 5));
  EXPECT_EQ(a[5], 0xAA);
  // A negative length is still EINVAL, a bad one EFAULT.
  EXPECT_EQ(out(w4, 16, a, &len_a, static_cast<socklen_t>(-1)), -EINVAL);
  EXPECT_EQ(lx::AddressOut(w4, 16, reinterpret_cast<sockaddr*>(a),
                           reinterpret_cast<socklen_t*>(NoAccessPage())),
            -EFAULT);
  // Another buffer, then an IPv6 address (longer than the remembered room)
  // into the first: both whole.
  ASSERT_EQ(out(w4, 16, b, &len_b, sizeof(b)), 0);
  EXPECT_EQ(Bytes(b, 16), Bytes(&lin4, 16));
  for (int round = 0; round < 2; ++round) {
    SCOPED_TRACE(round);
    ASSERT_EQ(out(w6, 28, a, &len_a, sizeof(a)), 0);
    EXPECT_EQ(len_a, 28u);
    EXPECT_EQ(Bytes(a, 28), Bytes(&lin6, 28));
  }
  // And IPv4 again into the buffer remembered for IPv6.
  ASSERT_EQ(out(w4, 16, a, &len_a, sizeof(a)), 0);
  EXPECT_EQ(len_a, 16u);
  EXPECT_EQ(Bytes(a, 16), Bytes(&lin4, 16));
  EXPECT_EQ(a[16], 0xAA);
}

// The memo holds how much of the buffer was written: a buffer that ends
// 16 bytes before a page the program cannot write takes an IPv4 address,
// and a longer one is EFAULT, not a fault.
TEST(AddressOutTest, RememberedBufferIsTrustedOnlyForItsLength) {
  char* pages = ReadWriteThenNoAccess();
  ASSERT_NE(pages, nullptr);
  auto* end16 = reinterpret_cast<sockaddr*>(pages + kPage - 16);
  const wsk::SOCKADDR_STORAGE ws4 = WindowsForm(LinuxIn4(80, 1, 2, 3, 4));
  sockaddr_in6 lin6{};
  lin6.sin6_family = AF_INET6;
  const wsk::SOCKADDR_STORAGE ws6 = WindowsForm(lin6);
  socklen_t len = 28;
  for (int round = 0; round < 2; ++round) {
    len = 28;
    ASSERT_EQ(lx::AddressOut(reinterpret_cast<const wsk::SOCKADDR*>(&ws4), 16,
                             end16, &len),
              0);
    EXPECT_EQ(len, 16u);
  }
  len = 28;
  EXPECT_EQ(lx::AddressOut(reinterpret_cast<const wsk::SOCKADDR*>(&ws6), 28,
                           end16, &len),
            -EFAULT);
}

// sendto()'s inline form takes the address this thread's AddressIn read
// last, or one in pages known readable (a server answering several peers);
// never one in a page nothing has read yet; and then gives AddressIn's
// result.
TEST(AddressInTest, SendToFastFormTakesOnlyKnownAddresses) {
  // A page of its own, which no copy has touched (never unmapped: the
  // layer may remember it).
  void* page = mmap(nullptr, kPage, PROT_READ | PROT_WRITE,
                    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  ASSERT_NE(page, MAP_FAILED);
  auto* to = static_cast<sockaddr_in*>(page);
  auto* other = to + 1;  // same page
  *to = LinuxIn4(53, 127, 0, 0, 1);
  *other = LinuxIn4(54, 127, 0, 0, 2);
  const auto* p = reinterpret_cast<const sockaddr*>(to);
  const auto* q = reinterpret_cast<const sockaddr*>(other);
  wsk::SOCKADDR_STORAGE slow{}, fast{};
  EXPECT_FALSE(lx::AddressInSendToFast(p, sizeof(*to), AF_INET, &fast));
  ASSERT_EQ(lx::AddressIn(p, sizeof(*to), lx::AddrUse::kSendTo, AF_INET, &slow),
            0);
  ASSERT_TRUE(lx::AddressInSendToFast(p, sizeof(*to), AF_INET, &fast));
  EXPECT_EQ(Bytes(&fast, 16), Bytes(&slow, 16));
  // Another address in the page now known readable: inline too.
  ASSERT_TRUE(lx::AddressInSendToFast(q, sizeof(*other), AF_INET, &fast));
  ASSERT_EQ(
      lx::AddressIn(q, sizeof(*other), lx::AddrUse::kSendTo, AF_INET, &slow),
      0);
  EXPECT_EQ(Bytes(&fast, 16), Bytes(&slow, 16));
  // Another family's socket, a length other than the family's, a wrong
  // family: not decided here.
  EXPECT_FALSE(lx::AddressInSendToFast(p, sizeof(*to), AF_INET6, &fast));
  EXPECT_FALSE(lx::AddressInSendToFast(p, 20, AF_INET, &fast));
  to->sin_family = AF_UNSPEC;
  EXPECT_FALSE(lx::AddressInSendToFast(p, sizeof(*to), AF_INET, &fast));
}

// ---------------------------------------------------------------------------
// CopyIn / CopyOut

TEST(UserMemoryTest, CopiesGoodMemoryRepeatedly) {
  // The second round takes the remembered-page path.
  for (int round = 0; round < 3; ++round) {
    SCOPED_TRACE(round);
    const char src[8] = {1, 2, 3, 4, 5, 6, 7, static_cast<char>(round)};
    char dst[8] = {};
    ASSERT_TRUE(lx::CopyIn(dst, src, sizeof(src)));
    EXPECT_EQ(0, memcmp(dst, src, sizeof(src)));
    char out[8] = {};
    ASSERT_TRUE(lx::CopyOut(out, src, sizeof(src)));
    EXPECT_EQ(0, memcmp(out, src, sizeof(src)));
  }
}

TEST(UserMemoryTest, ZeroBytesAlwaysSucceed) {
  char dst[1];
  EXPECT_TRUE(lx::CopyIn(dst, nullptr, 0));
  EXPECT_TRUE(lx::CopyOut(nullptr, dst, 0));
  EXPECT_TRUE(lx::CopyIn(dst, NoAccessPage(), 0));
}

TEST(UserMemoryTest, BadPointersFailInsteadOfFaulting) {
  char buf[16] = {};
  EXPECT_FALSE(lx::CopyIn(buf, nullptr, 4));
  EXPECT_FALSE(lx::CopyOut(nullptr, buf, 4));
  EXPECT_FALSE(lx::CopyIn(buf, reinterpret_cast<const void*>(1), 4));
  EXPECT_FALSE(lx::CopyOut(reinterpret_cast<void*>(1), buf, 4));
  ASSERT_NE(NoAccessPage(), nullptr);
  EXPECT_FALSE(lx::CopyIn(buf, NoAccessPage(), 4));
  EXPECT_FALSE(lx::CopyOut(NoAccessPage(), buf, 4));
}

TEST(UserMemoryTest, RangeCrossingIntoABadPageFails) {
  char* pages = ReadWriteThenNoAccess();
  ASSERT_NE(pages, nullptr);
  char buf[16] = {};
  // Fully inside the good page: fine, and remembered.
  EXPECT_TRUE(lx::CopyIn(buf, pages + kPage - 16, 16));
  // Starting in the remembered page but ending in the bad one.
  EXPECT_FALSE(lx::CopyIn(buf, pages + kPage - 8, 16));
  EXPECT_FALSE(lx::CopyOut(pages + kPage - 8, buf, 16));
}

TEST(UserMemoryTest, ReadOnlyMemoryCanBeReadButNotWritten) {
  char* pages = ReadWriteThenReadOnly();
  ASSERT_NE(pages, nullptr);
  char buf[8] = {};
  EXPECT_TRUE(lx::CopyIn(buf, pages + kPage, sizeof(buf)));
  EXPECT_FALSE(lx::CopyOut(pages + kPage, buf, sizeof(buf)));
  // Reading first must not make the page count as writable.
  EXPECT_TRUE(lx::CopyIn(buf, pages + kPage + 64, sizeof(buf)));
  EXPECT_FALSE(lx::CopyOut(pages + kPage + 64, buf, sizeof(buf)));
}

}  // namespace
}  // namespace lxwsk_test
