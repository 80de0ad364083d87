#include "hazard.h"

#include <pthread.h>
#include <sys/mman.h>

namespace lxshim {

__thread HazardRecord* t_hazard __attribute__((tls_model("initial-exec"))) =
    nullptr;
__thread uintptr_t t_hazard_current __attribute__((tls_model("initial-exec"))) =
    kNoCurrent;

namespace {

std::atomic<HazardRecord*> g_records{nullptr};
pthread_key_t g_exit_key;
std::atomic<bool> g_key_ok{false};

constexpr int kRetireCells = 1024;
std::atomic<uintptr_t> g_retired[kRetireCells];
std::atomic<int> g_retired_count{0};

void OnThreadExit(void*) { ReleaseThreadHazards(); }

// A record for the calling thread: a free one from the list, or a new page
// of them (mmap: async-signal-safe, no lock). nullptr if memory is out.
HazardRecord* Register() {
  for (HazardRecord* r = g_records.load(std::memory_order_acquire);
       r != nullptr; r = r->next) {
    bool expected = false;
    if (!r->in_use.load(std::memory_order_relaxed) &&
        r->in_use.compare_exchange_strong(expected, true)) {
      return r;
    }
  }
  constexpr size_t kPage = 4096;
  void* mem = mmap(nullptr, kPage, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (mem == MAP_FAILED) return nullptr;
  auto* recs = static_cast<HazardRecord*>(mem);  // zeroed: all slots empty
  constexpr int n = kPage / sizeof(HazardRecord);
  recs[0].in_use.store(true, std::memory_order_relaxed);
  for (int i = 0; i + 1 < n; ++i) recs[i].next = &recs[i + 1];
  HazardRecord* head = g_records.load(std::memory_order_relaxed);
  do {
    recs[n - 1].next = head;
  } while (!g_records.compare_exchange_weak(
      head, &recs[0], std::memory_order_release, std::memory_order_relaxed));
  return &recs[0];
}

}  // namespace

void InitHazards() {
  if (pthread_key_create(&g_exit_key, OnThreadExit) == 0) {
    g_key_ok.store(true, std::memory_order_release);
  }
}

namespace {
uintptr_t ProtectSlowImpl(const std::atomic<uintptr_t>* cell, uintptr_t v,
                          uintptr_t min_object);
}  // namespace

void RefreshHazardCurrent() {
  uintptr_t cur = kNoCurrent;
  if (const HazardRecord* h = t_hazard) {
    cur = h->slot[h->last].load(std::memory_order_relaxed);
    if (cur == 0) cur = kNoCurrent;
  }
  t_hazard_current = cur;
}

uintptr_t ProtectSlow(const std::atomic<uintptr_t>* cell, uintptr_t v,
                      uintptr_t min_object) {
  uintptr_t r = ProtectSlowImpl(cell, v, min_object);
  // The mirror follows the current slot, whatever the path above did.
  if (t_hazard != nullptr) RefreshHazardCurrent();
  return r;
}

namespace {
uintptr_t ProtectSlowImpl(const std::atomic<uintptr_t>* cell, uintptr_t v,
                          uintptr_t min_object) {
  HazardRecord* h = t_hazard;
  if (h == nullptr) {
    h = Register();
    if (h == nullptr) return v;  // no memory for a record: unprotected
    t_hazard = h;
    if (g_key_ok.load(std::memory_order_acquire)) {
      pthread_setspecific(g_exit_key, h);
    }
  }
  for (int i = 0; i < kHazardSlots; ++i) {
    // Held in one of our slots since before this load: cannot be freed.
    if (h->slot[i].load(std::memory_order_relaxed) == v) {
      h->last = i;
      return v;
    }
  }
  for (int tries = 0; tries < 16; ++tries) {
    // Take the slot after the latest one; `last` first, so a signal
    // handler interrupting here takes the one after that.
    const int i = (h->last + 1) % kHazardSlots;
    h->last = i;
    h->slot[i].store(v, std::memory_order_seq_cst);
    // Still in the table after we published it: a closer that takes it out
    // from now on sees our slot (Take, fence, then the scan in Hazarded).
    uintptr_t now = cell->load(std::memory_order_seq_cst);
    if (now == v) return v;
    if (now <= min_object) return now;
    v = now;
  }
  return v;
}

}  // namespace

void DropOwnHazard(uintptr_t v) {
  HazardRecord* h = t_hazard;
  if (h == nullptr) return;
  if (t_hazard_current == v) t_hazard_current = kNoCurrent;
  for (auto& s : h->slot) {
    if (s.load(std::memory_order_relaxed) == v) {
      s.store(0, std::memory_order_release);
    }
  }
}

bool Hazarded(uintptr_t v) {
  std::atomic_thread_fence(std::memory_order_seq_cst);
  for (HazardRecord* r = g_records.load(std::memory_order_acquire);
       r != nullptr; r = r->next) {
    // A record no thread holds has empty slots. One claimed after this load
    // publishes after our Take, so its owner's re-check of the table entry
    // (ProtectSlow) sees the socket gone.
    if (!r->in_use.load(std::memory_order_seq_cst)) continue;
    for (int i = 0; i < kHazardSlots; ++i) {
      if (r->slot[i].load(std::memory_order_seq_cst) == v) return true;
    }
  }
  return false;
}

bool Retire(uintptr_t v) {
  for (int i = 0; i < kRetireCells; ++i) {
    uintptr_t expected = 0;
    if (g_retired[i].load(std::memory_order_relaxed) == 0 &&
        g_retired[i].compare_exchange_strong(expected, v)) {
      g_retired_count.fetch_add(1, std::memory_order_release);
      return true;
    }
  }
  return false;
}

void DrainRetired(void (*free_fn)(uintptr_t)) {
  if (g_retired_count.load(std::memory_order_acquire) == 0) [[likely]] {
    return;
  }
  for (int i = 0; i < kRetireCells; ++i) {
    uintptr_t v = g_retired[i].load(std::memory_order_acquire);
    if (v == 0 || Hazarded(v)) continue;
    if (g_retired[i].compare_exchange_strong(v, 0)) {
      g_retired_count.fetch_sub(1, std::memory_order_relaxed);
      free_fn(v);
    }
  }
}

void ReleaseThreadHazards() {
  HazardRecord* h = t_hazard;
  t_hazard_current = kNoCurrent;
  if (h == nullptr) return;
  t_hazard = nullptr;
  for (auto& s : h->slot) s.store(0, std::memory_order_release);
  h->last = 0;
  h->in_use.store(false, std::memory_order_release);
}

void ResetHazardsAfterFork() {
  for (HazardRecord* r = g_records.load(std::memory_order_acquire);
       r != nullptr; r = r->next) {
    if (r == t_hazard) continue;
    for (auto& s : r->slot) s.store(0, std::memory_order_relaxed);
    r->last = 0;
    r->in_use.store(false, std::memory_order_relaxed);
  }
}

}  // namespace lxshim
