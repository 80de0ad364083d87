// Hazard slots for the fd table: a socket object one thread is using is
// never freed under it by a close() in another thread.
//
// Linux keeps a file alive while a system call uses it: close() on one
// thread neither frees the socket nor wakes a recv or accept blocked on it
// in another thread; the call goes on and returns normally. The shim's
// objects (lx::LxSocket and the WSK socket under it) need the same
// lifetime. Each thread publishes the objects it looked up in a few
// per-thread slots; the closer of the last reference checks every thread's
// slots and, when one holds the object, closes the host descriptor at once
// (the fd number is free as natively) and retires the object: it is freed
// by a later close once no slot holds it any more.
//
// The lookup side costs one thread-local load and compare when the thread
// uses the same socket as in its previous call, and one store plus one
// reload of the table entry when it moves to another socket: no lock, no
// allocation, async-signal-safe (a signal handler's lookups take the next
// slots, so up to kHazardSlots - 1 nested handlers keep the interrupted
// call's object protected). A thread's slots keep its last objects after
// the call returns; they are released when the thread exits.
#ifndef LXWSK_SHIM_HAZARD_H_
#define LXWSK_SHIM_HAZARD_H_

#include <atomic>
#include <cstdint>

namespace lxshim {

inline constexpr int kHazardSlots = 4;

struct HazardRecord {
  std::atomic<uintptr_t> slot[kHazardSlots];
  std::atomic<bool> in_use;
  HazardRecord* next;  // registry list; records are never unlinked
  int last;            // the slot of the owner's latest lookup
};

// __thread, not thread_local: constant-initialised, so no TLS wrapper
// call on the lookup path.
extern __thread HazardRecord* t_hazard
    __attribute__((tls_model("initial-exec")));

// The value in the owner's current slot (slot[last]), mirrored for the data
// path's one-compare check (FastLookup); kNoCurrent when there is none.
inline constexpr uintptr_t kNoCurrent = ~uintptr_t{0};
extern __thread uintptr_t t_hazard_current
    __attribute__((tls_model("initial-exec")));

// Sets t_hazard_current from the thread's record (after a Busy section).
void RefreshHazardCurrent();

// Slow path of Protect: publish `v` and check `cell` still holds it.
uintptr_t ProtectSlow(const std::atomic<uintptr_t>* cell, uintptr_t v,
                      uintptr_t min_object);

// `v` was just loaded from `cell`; values <= min_object are not objects.
// Returns the object to use (protected until the thread's later lookups
// push it out of its slots), or the value `cell` holds now when it changed
// (a non-object value: the caller treats the fd as not ours).
inline uintptr_t Protect(const std::atomic<uintptr_t>* cell, uintptr_t v,
                         uintptr_t min_object) {
  HazardRecord* h = t_hazard;
  if (h != nullptr && h->slot[h->last].load(std::memory_order_relaxed) == v)
      [[likely]] {
    return v;
  }
  return ProtectSlow(cell, v, min_object);
}

// Clears the calling thread's slots that hold `v`.
void DropOwnHazard(uintptr_t v);

// True when some thread's slots hold `v`. Call after the last reference
// was taken out of the table.
bool Hazarded(uintptr_t v);

// Keeps `v` until no slot holds it; DrainRetired then hands it to `free_fn`.
// False when the retire list is full (the object is then leaked, never
// freed under a user).
bool Retire(uintptr_t v);
void DrainRetired(void (*free_fn)(uintptr_t));

// Releases the calling thread's record (thread exit) or, in a fork child,
// every record but the calling thread's (the other threads are gone).
void ReleaseThreadHazards();
void ResetHazardsAfterFork();

// Creates the thread-exit key; once, before any lookup.
void InitHazards();

}  // namespace lxshim

#endif  // LXWSK_SHIM_HAZARD_H_
