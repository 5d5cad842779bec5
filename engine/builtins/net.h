// IP and CIDR values (Onus extension modelled on the Kubernetes CEL IP/CIDR
// library). They are Kind::kOpaque values whose type is net.IP or net.CIDR.
//
// Payloads (canonical, so equality is byte equality):
//   net.IP:   family (4 or 6), then 4 or 16 address bytes.
//   net.CIDR: family, 4 or 16 address bytes exactly as written (not masked;
//             use masked()), then the prefix length.
// IPv4-mapped IPv6 addresses (::ffff:1.2.3.4) and zones (fe80::1%eth0) are
// rejected, as Kubernetes does, so each address has one spelling family.
#ifndef ONUS_ENGINE_BUILTINS_NET_H_
#define ONUS_ENGINE_BUILTINS_NET_H_

#include "absl/strings/string_view.h"
#include "engine/builtins.h"
#include "engine/value.h"

namespace onus::engine {

const TypeObj* IPType();    // name "net.IP"
const TypeObj* CIDRType();  // name "net.CIDR"

// ip("...") / cidr("...") as values, or an error value.
Value ParseIPValue(CallContext& ctx, absl::string_view s);
Value ParseCIDRValue(CallContext& ctx, absl::string_view s);

}  // namespace onus::engine

#endif  // ONUS_ENGINE_BUILTINS_NET_H_
