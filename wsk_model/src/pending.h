// Pending requests of non-inline sockets: park an IRP until the host handle
// is ready, retry one attempt, complete on the host stack's I/O thread.
// Cancellation follows the Windows pattern: whoever swaps the IRP's cancel
// routine out owns completion.
#ifndef LXWSK_WSK_SRC_PENDING_H_
#define LXWSK_WSK_SRC_PENDING_H_

#include <functional>

#include "wsk/host_stack.h"
#include "wsk/provider.h"

namespace wsk {

using Attempt = std::function<HostResult()>;

// Completes `irp` with `first` unless the socket pends requests and `first`
// says "would block" (and the caller did not ask for DONTWAIT); then parks
// `retry` and returns STATUS_PENDING.
NTSTATUS PendOrComplete(HostStack& host, const ModelSocket* s, PIRP irp,
                        HostWait what, bool dont_wait, HostResult first,
                        Attempt retry);

// Event callbacks (WSK_EVENT_*): arm the host waits that deliver them.
void ArmAcceptEvent(Provider& p, ModelSocket* s);
void ArmReceiveEvent(Provider& p, ModelSocket* s);
void ArmReceiveFromEvent(Provider& p, ModelSocket* s);
// After a WskReceive completes: indications paused by a partial acceptance
// or STATUS_DATA_NOT_ACCEPTED start again.
void ResumeIndications(Provider& p, ModelSocket* s);
// Closes a socket the provider itself gave up on, with a heap IRP that
// frees itself (the close may pend).
void CloseInBackground(Provider& p, PWSK_SOCKET socket);
// The client's connection event table of a connection or stream socket.
const WSK_CLIENT_CONNECTION_DISPATCH* ConnectionEvents(const ModelSocket* s);

}  // namespace wsk

#endif  // LXWSK_WSK_SRC_PENDING_H_
