// Shim layer: the fd -> LxSocket lookup every interposed call starts with
// (lxcore_shim/shim_state.h). Built from the shim's own sources, not a
// copy, and run without preloading anything: the table is initialised the
// way the library initialises it (sized from RLIMIT_NOFILE).
#include "benchmark/benchmark.h"
#include "harness.h"
#include "shim_state.h"  // lxcore_shim/

namespace {

// An fd number the table can index; the entry is what matters, not the fd.
constexpr int kFd = 7;

void BM_FdTableLookup_Hit(benchmark::State& state) {
  if (!lxshim::EnsureInit()) {
    state.SkipWithError("shim table did not initialise");
    return;
  }
  lx::LxSocket* s = nullptr;
  bench::GetHarness().NewLxSocket(AF_INET, SOCK_STREAM, 0, &s);
  lxshim::Install(kFd, s);
  int fd = kFd;
  for (auto _ : state) {
    benchmark::DoNotOptimize(fd);
    benchmark::DoNotOptimize(lxshim::Lookup(fd));
  }
  lxshim::Take(kFd);
}
BENCHMARK(BM_FdTableLookup_Hit);

// An fd beyond the table (or negative): the bounds check alone.
void BM_FdTableLookup_OutOfRange(benchmark::State& state) {
  lxshim::EnsureInit();
  int fd = -1;
  for (auto _ : state) {
    benchmark::DoNotOptimize(fd);
    benchmark::DoNotOptimize(lxshim::Lookup(fd));
  }
}
BENCHMARK(BM_FdTableLookup_OutOfRange);

}  // namespace

BENCHMARK_MAIN();
