// http_access_flags.cc — see http_access_flags.h.
#include "http_access_flags.h"

namespace newsflow::cli {

void AddHttpAccessFlags(CLI::App* cmd, const std::string& prefix, pipeline::DeskServerOptions* o) {
  cmd->add_option("--" + prefix + "allow-host", o->allowed_hosts,
                  "NAME[:PORT]: also answer requests that name the server so, and take changes from pages of that "
                  "origin (a reverse proxy's public name; repeatable; off loopback IP addresses and this machine's "
                  "names are always answered; * = any Host name)");
  cmd->add_option("--" + prefix + "max-connections", o->max_connections,
                  "connections open at once (off loopback a quarter of them from one address); one more is closed "
                  "as soon as it is accepted")
      ->default_str("1024")
      ->check(CLI::Range(size_t{1}, size_t{1} << 20));
  cmd->add_option("--" + prefix + "max-streams-per-client", o->max_streams_per_client,
                  "listening off loopback: alert streams open from one client address (desks behind one NAT or "
                  "proxy share it); 0 = no cap")
      ->default_str("64");
}

}  // namespace newsflow::cli
