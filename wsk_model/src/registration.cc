// Client registration: WskRegister / WskCaptureProviderNPI /
// WskReleaseProviderNPI / WskDeregister (WDK wsk.h; MS Learn "Registering a
// Winsock Kernel Application").
#include <atomic>
#include <chrono>
#include <thread>

#include "wsk/provider.h"
#include "wsk/wsk.h"

namespace wsk {

// {2227E803-8D8B-11D4-ABAD-009027719E09}, the WSK NPI identifier (as declared
// by WSK clients in public driver sources).
const NPIID NPI_WSK_INTERFACE_ID = {
    0x2227E803,
    0x8D8B,
    0x11D4,
    {0xAB, 0xAD, 0x00, 0x90, 0x27, 0x71, 0x9E, 0x09}};

namespace {

struct Registration {
  WSK_CLIENT client;
  std::atomic<int> captures{0};
  std::atomic<bool> deregistering{false};
};

Registration* Get(WSK_REGISTRATION* r) {
  return static_cast<Registration*>(r->ReservedRegistrationContext);
}

}  // namespace

Provider& DefaultProvider() {
  // Leaked on purpose: sockets may outlive static destructors at exit.
  static Provider* provider = new Provider(PosixHostStack());
  return *provider;
}

NTSTATUS WskRegister(const WSK_CLIENT_NPI* WskClientNpi,
                     WSK_REGISTRATION* WskRegistration, Provider* provider) {
  if (WskClientNpi == nullptr || WskRegistration == nullptr ||
      WskClientNpi->Dispatch == nullptr) {
    return STATUS_INVALID_PARAMETER;
  }
  if ((WskClientNpi->Dispatch->Version >> 8) != 1) return STATUS_NOINTERFACE;
  auto* reg = new Registration;
  reg->client.provider = provider != nullptr ? provider : &DefaultProvider();
  WskRegistration->ReservedRegistrationState = 1;
  WskRegistration->ReservedRegistrationContext = reg;
  return STATUS_SUCCESS;
}

NTSTATUS WskCaptureProviderNPI(WSK_REGISTRATION* WskRegistration,
                               ULONG /*WaitTimeout*/,
                               WSK_PROVIDER_NPI* WskProviderNpi) {
  // The provider is always attached, so no wait is ever needed.
  Registration* reg = Get(WskRegistration);
  if (reg == nullptr || WskProviderNpi == nullptr) {
    return STATUS_INVALID_PARAMETER;
  }
  if (reg->deregistering.load()) return STATUS_DEVICE_NOT_READY;
  reg->captures.fetch_add(1);
  WskProviderNpi->Client = &reg->client;
  WskProviderNpi->Dispatch = reg->client.provider;
  return STATUS_SUCCESS;
}

void WskReleaseProviderNPI(WSK_REGISTRATION* WskRegistration) {
  Registration* reg = Get(WskRegistration);
  if (reg != nullptr) reg->captures.fetch_sub(1);
}

void WskDeregister(WSK_REGISTRATION* WskRegistration) {
  Registration* reg = Get(WskRegistration);
  if (reg == nullptr) return;
  reg->deregistering.store(true);
  // "WskDeregister blocks until all captured instances are released and all
  // sockets are closed" (WDK wsk.h).
  while (reg->captures.load() > 0 || reg->client.open_sockets.load() > 0) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  WskRegistration->ReservedRegistrationContext = nullptr;
  WskRegistration->ReservedRegistrationState = 0;
  delete reg;
}

}  // namespace wsk
