// service_notify.h — tells systemd (Type=notify) where a run is: ready once
// its signal handlers are in place and its store is open, reloading while a
// SIGHUP reload runs, stopping once it drains. The sd_notify protocol, one
// datagram to $NOTIFY_SOCKET, without libsystemd.
//
// With Type=simple, systemd takes the service as started once it forks:
// `systemctl start; systemctl reload` could send SIGHUP before the process
// reached main() (the shared libraries still loading), whose default action
// ends it, and systemd does not restart a service that ended by SIGHUP.
// Type=notify waits for READY=1.
//
// Ownership: none (each call opens and closes its socket). Threads: any.
// Errors: none reported; without NOTIFY_SOCKET (not under systemd) a no-op.
#pragma once

#include <string_view>

namespace newsflow::cli {

// Sends `state` ("READY=1", "STOPPING=1", "RELOADING=1") to $NOTIFY_SOCKET
// (a path, or "@name" in the abstract namespace). False if it was not sent.
bool NotifyService(std::string_view state);

}  // namespace newsflow::cli
