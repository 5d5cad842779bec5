#include "engine/builtins/net.h"

#include <arpa/inet.h>

#include <charconv>
#include <cstring>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "engine/builtins/internal.h"
#include "engine/value_format.h"

namespace onus::engine {
namespace {

using builtins_internal::Err;
using builtins_internal::FirstError;
using builtins_internal::NoOverload;

struct Addr {
  int family = 0;  // 4 or 6
  uint8_t bytes[16] = {};
  int len() const { return family == 4 ? 4 : 16; }
};

// Parses a bare address; rejects zones and IPv4-mapped IPv6.
bool ParseAddr(absl::string_view s, Addr* a, std::string* why) {
  if (s.empty() || s.size() > 64) {
    *why = "invalid IP address";
    return false;
  }
  std::string z(s);
  if (z.find('%') != std::string::npos) {
    *why = "IP address with zone value is not allowed";
    return false;
  }
  if (z.find(':') == std::string::npos) {
    if (inet_pton(AF_INET, z.c_str(), a->bytes) != 1) {
      *why = "invalid IPv4 address";
      return false;
    }
    a->family = 4;
    return true;
  }
  if (inet_pton(AF_INET6, z.c_str(), a->bytes) != 1) {
    *why = "invalid IPv6 address";
    return false;
  }
  static const uint8_t kMappedPrefix[12] = {0, 0, 0, 0, 0,    0,
                                            0, 0, 0, 0, 0xff, 0xff};
  if (std::memcmp(a->bytes, kMappedPrefix, 12) == 0) {
    *why = "IPv4-mapped IPv6 address is not allowed";
    return false;
  }
  a->family = 6;
  return true;
}

void AppendAddr(int family, const uint8_t* b, std::string* out) {
  if (family == 4) {
    absl::StrAppend(out, b[0], ".", b[1], ".", b[2], ".", b[3]);
    return;
  }
  // RFC 5952: lower-case hex, no leading zeros, the longest run (first on a
  // tie) of two or more zero groups becomes "::".
  uint16_t g[8];
  for (int i = 0; i < 8; ++i)
    g[i] = static_cast<uint16_t>(b[2 * i] << 8 | b[2 * i + 1]);
  int best = -1, best_len = 0;
  for (int i = 0; i < 8;) {
    if (g[i] != 0) {
      ++i;
      continue;
    }
    int j = i;
    while (j < 8 && g[j] == 0) ++j;
    if (j - i > best_len && j - i >= 2) {
      best = i;
      best_len = j - i;
    }
    i = j;
  }
  for (int i = 0; i < 8; ++i) {
    if (i == best) {
      out->append("::");
      i += best_len - 1;
      continue;
    }
    if (i > 0 && i != best + best_len) out->push_back(':');
    absl::StrAppendFormat(out, "%x", g[i]);
  }
}

void FormatIP(const OpaqueObj& o, std::string* out) {
  AppendAddr(o.data[0], o.data + 1, out);
}

void FormatCIDR(const OpaqueObj& o, std::string* out) {
  AppendAddr(o.data[0], o.data + 1, out);
  absl::StrAppend(out, "/", o.data[o.size - 1]);
}

const TypeObj kIPType{Kind::kOpaque, nullptr, "net.IP"};
const TypeObj kCIDRType{Kind::kOpaque, nullptr, "net.CIDR"};

Value MakeIP(Arena& arena, const Addr& a) {
  uint8_t* p = static_cast<uint8_t*>(arena.Allocate(1 + a.len(), 1));
  p[0] = static_cast<uint8_t>(a.family);
  std::memcpy(p + 1, a.bytes, a.len());
  OpaqueObj* o = arena.New<OpaqueObj>();
  o->type = &kIPType;
  o->data = p;
  o->size = 1 + a.len();
  o->format = FormatIP;
  return Value::Opaque(o);
}

Value MakeCIDR(Arena& arena, const Addr& a, int prefix) {
  uint8_t* p = static_cast<uint8_t*>(arena.Allocate(2 + a.len(), 1));
  p[0] = static_cast<uint8_t>(a.family);
  std::memcpy(p + 1, a.bytes, a.len());
  p[1 + a.len()] = static_cast<uint8_t>(prefix);
  OpaqueObj* o = arena.New<OpaqueObj>();
  o->type = &kCIDRType;
  o->data = p;
  o->size = 2 + a.len();
  o->format = FormatCIDR;
  return Value::Opaque(o);
}

bool ParseCIDR(absl::string_view s, Addr* a, int* prefix, std::string* why) {
  size_t slash = s.find('/');
  if (slash == absl::string_view::npos) {
    *why = "network address parse error: missing '/'";
    return false;
  }
  if (!ParseAddr(s.substr(0, slash), a, why)) return false;
  absl::string_view p = s.substr(slash + 1);
  int n = -1;
  // Decimal without sign or leading zeros.
  if (p.empty() || p.size() > 3 || (p.size() > 1 && p[0] == '0')) {
    *why = "invalid prefix length";
    return false;
  }
  auto r = std::from_chars(p.data(), p.data() + p.size(), n);
  if (r.ec != std::errc() || r.ptr != p.data() + p.size() || n < 0 ||
      n > a->len() * 8) {
    *why = "invalid prefix length";
    return false;
  }
  *prefix = n;
  return true;
}

bool IsIP(const Value& v) {
  return v.kind == Kind::kOpaque && v.opaque->type == &kIPType;
}
bool IsCIDR(const Value& v) {
  return v.kind == Kind::kOpaque && v.opaque->type == &kCIDRType;
}

Addr AddrOf(const OpaqueObj& o) {
  Addr a;
  a.family = o.data[0];
  std::memcpy(a.bytes, o.data + 1, a.len());
  return a;
}
int PrefixOf(const OpaqueObj& o) { return o.data[o.size - 1]; }

void Mask(Addr* a, int prefix) {
  for (int i = 0; i < a->len(); ++i) {
    int bits = prefix - i * 8;
    if (bits >= 8) continue;
    if (bits <= 0) {
      a->bytes[i] = 0;
    } else {
      a->bytes[i] &= static_cast<uint8_t>(0xFF << (8 - bits));
    }
  }
}

bool InPrefix(const Addr& net, int prefix, const Addr& ip) {
  if (net.family != ip.family) return false;
  Addr x = net, y = ip;
  Mask(&x, prefix);
  Mask(&y, prefix);
  return std::memcmp(x.bytes, y.bytes, x.len()) == 0;
}

bool InV4(const Addr& a, uint8_t b0, uint8_t b1, int prefix) {
  Addr net;
  net.family = 4;
  net.bytes[0] = b0;
  net.bytes[1] = b1;
  return InPrefix(net, prefix, a);
}

bool InV6(const Addr& a, uint8_t b0, uint8_t b1, int prefix) {
  Addr net;
  net.family = 6;
  net.bytes[0] = b0;
  net.bytes[1] = b1;
  return InPrefix(net, prefix, a);
}

bool IsZero(const Addr& a) {
  for (int i = 0; i < a.len(); ++i) {
    if (a.bytes[i]) return false;
  }
  return true;
}

bool Loopback(const Addr& a) {
  if (a.family == 4) return a.bytes[0] == 127;
  for (int i = 0; i < 15; ++i) {
    if (a.bytes[i]) return false;
  }
  return a.bytes[15] == 1;
}

bool Multicast(const Addr& a) {
  return a.family == 4 ? (a.bytes[0] & 0xF0) == 0xE0 : a.bytes[0] == 0xFF;
}

bool LinkLocalUnicast(const Addr& a) {
  return a.family == 4 ? InV4(a, 169, 254, 16) : InV6(a, 0xfe, 0x80, 10);
}

bool LinkLocalMulticast(const Addr& a) {
  if (a.family == 4) {
    return a.bytes[0] == 224 && a.bytes[1] == 0 && a.bytes[2] == 0;
  }
  return InV6(a, 0xff, 0x02, 16);
}

bool Private(const Addr& a) {
  if (a.family == 4) {
    return a.bytes[0] == 10 || InV4(a, 172, 16, 12) || InV4(a, 192, 168, 16);
  }
  return InV6(a, 0xfc, 0, 7);
}

bool GlobalUnicast(const Addr& a) {
  if (a.family == 4 && a.bytes[0] == 255 && a.bytes[1] == 255 &&
      a.bytes[2] == 255 && a.bytes[3] == 255) {
    return false;  // limited broadcast
  }
  return !IsZero(a) && !Loopback(a) && !Multicast(a) && !LinkLocalUnicast(a);
}

Value IpFn(CallContext& ctx, const Value* args, uint32_t argc) {
  if (args[0].kind != Kind::kString) return NoOverload(ctx, "ip", args, argc);
  return ParseIPValue(ctx, args[0].string_view());
}

Value CidrFn(CallContext& ctx, const Value* args, uint32_t argc) {
  if (args[0].kind != Kind::kString) {
    return NoOverload(ctx, "cidr", args, argc);
  }
  return ParseCIDRValue(ctx, args[0].string_view());
}

Value IsIPFn(CallContext& ctx, const Value* args, uint32_t argc) {
  if (args[0].kind != Kind::kString) {
    return NoOverload(ctx, "isIP", args, argc);
  }
  Addr a;
  std::string why;
  return Value::Bool(ParseAddr(args[0].string_view(), &a, &why));
}

Value IsCIDRFn(CallContext& ctx, const Value* args, uint32_t argc) {
  if (args[0].kind != Kind::kString) {
    return NoOverload(ctx, "isCIDR", args, argc);
  }
  Addr a;
  int p;
  std::string why;
  return Value::Bool(ParseCIDR(args[0].string_view(), &a, &p, &why));
}

template <bool (*Pred)(const Addr&)>
Value IPPred(CallContext& ctx, const Value* args, uint32_t argc,
             const char* name) {
  if (!IsIP(args[0])) return NoOverload(ctx, name, args, argc);
  return Value::Bool(Pred(AddrOf(*args[0].opaque)));
}

Value IsLoopbackFn(CallContext& c, const Value* a, uint32_t n) {
  return IPPred<Loopback>(c, a, n, "isLoopback");
}
Value IsPrivateFn(CallContext& c, const Value* a, uint32_t n) {
  return IPPred<Private>(c, a, n, "isPrivate");
}
Value IsGlobalUnicastFn(CallContext& c, const Value* a, uint32_t n) {
  return IPPred<GlobalUnicast>(c, a, n, "isGlobalUnicast");
}
Value IsUnspecifiedFn(CallContext& c, const Value* a, uint32_t n) {
  return IPPred<IsZero>(c, a, n, "isUnspecified");
}
Value IsLinkLocalUnicastFn(CallContext& c, const Value* a, uint32_t n) {
  return IPPred<LinkLocalUnicast>(c, a, n, "isLinkLocalUnicast");
}
Value IsLinkLocalMulticastFn(CallContext& c, const Value* a, uint32_t n) {
  return IPPred<LinkLocalMulticast>(c, a, n, "isLinkLocalMulticast");
}

Value FamilyFn(CallContext& ctx, const Value* args, uint32_t argc) {
  if (!IsIP(args[0]) && !IsCIDR(args[0])) {
    return NoOverload(ctx, "family", args, argc);
  }
  return Value::Int(args[0].opaque->data[0]);
}

Value ContainsIPFn(CallContext& ctx, const Value* args, uint32_t argc) {
  if (!IsCIDR(args[0])) return NoOverload(ctx, "containsIP", args, argc);
  Value ip = args[1];
  if (ip.kind == Kind::kString) ip = ParseIPValue(ctx, ip.string_view());
  if (ip.is_error()) return ip;
  if (!IsIP(ip)) return NoOverload(ctx, "containsIP", args, argc);
  const OpaqueObj& c = *args[0].opaque;
  return Value::Bool(InPrefix(AddrOf(c), PrefixOf(c), AddrOf(*ip.opaque)));
}

Value ContainsCIDRFn(CallContext& ctx, const Value* args, uint32_t argc) {
  if (!IsCIDR(args[0])) return NoOverload(ctx, "containsCIDR", args, argc);
  Value other = args[1];
  if (other.kind == Kind::kString) {
    other = ParseCIDRValue(ctx, other.string_view());
  }
  if (other.is_error()) return other;
  if (!IsCIDR(other)) return NoOverload(ctx, "containsCIDR", args, argc);
  const OpaqueObj& c = *args[0].opaque;
  const OpaqueObj& o = *other.opaque;
  if (PrefixOf(o) < PrefixOf(c)) return Value::Bool(false);
  return Value::Bool(InPrefix(AddrOf(c), PrefixOf(c), AddrOf(o)));
}

Value CidrIPFn(CallContext& ctx, const Value* args, uint32_t argc) {
  if (!IsCIDR(args[0])) return NoOverload(ctx, "ip", args, argc);
  return MakeIP(*ctx.arena, AddrOf(*args[0].opaque));
}

Value PrefixLengthFn(CallContext& ctx, const Value* args, uint32_t argc) {
  if (!IsCIDR(args[0])) return NoOverload(ctx, "prefixLength", args, argc);
  return Value::Int(PrefixOf(*args[0].opaque));
}

Value MaskedFn(CallContext& ctx, const Value* args, uint32_t argc) {
  if (!IsCIDR(args[0])) return NoOverload(ctx, "masked", args, argc);
  Addr a = AddrOf(*args[0].opaque);
  int p = PrefixOf(*args[0].opaque);
  Mask(&a, p);
  return MakeCIDR(*ctx.arena, a, p);
}

template <BuiltinFn F>
Value Strict(CallContext& ctx, const Value* args, uint32_t argc) {
  if (const Value* e = FirstError(args, argc)) return *e;
  return F(ctx, args, argc);
}

const Builtin kNet[] = {
    {"ip", false, 1, 1, Strict<IpFn>},
    {"cidr", false, 1, 1, Strict<CidrFn>},
    {"isIP", false, 1, 1, Strict<IsIPFn>},
    {"isCIDR", false, 1, 1, Strict<IsCIDRFn>},
    {"family", true, 1, 1, Strict<FamilyFn>},
    {"isLoopback", true, 1, 1, Strict<IsLoopbackFn>},
    {"isPrivate", true, 1, 1, Strict<IsPrivateFn>},
    {"isGlobalUnicast", true, 1, 1, Strict<IsGlobalUnicastFn>},
    {"isUnspecified", true, 1, 1, Strict<IsUnspecifiedFn>},
    {"isLinkLocalUnicast", true, 1, 1, Strict<IsLinkLocalUnicastFn>},
    {"isLinkLocalMulticast", true, 1, 1, Strict<IsLinkLocalMulticastFn>},
    {"containsIP", true, 2, 2, Strict<ContainsIPFn>},
    {"containsCIDR", true, 2, 2, Strict<ContainsCIDRFn>},
    {"ip", true, 1, 1, Strict<CidrIPFn>},
    {"prefixLength", true, 1, 1, Strict<PrefixLengthFn>},
    {"masked", true, 1, 1, Strict<MaskedFn>},
};

}  // namespace

const TypeObj* IPType() { return &kIPType; }
const TypeObj* CIDRType() { return &kCIDRType; }

Value ParseIPValue(CallContext& ctx, absl::string_view s) {
  Addr a;
  std::string why;
  if (!ParseAddr(s, &a, &why)) {
    std::string msg = absl::StrCat("IP address parse error: ", why, ": ");
    AppendQuoted(s, &msg);
    return Err(ctx, ErrorCode::kInvalidArgument, msg);
  }
  return MakeIP(*ctx.arena, a);
}

Value ParseCIDRValue(CallContext& ctx, absl::string_view s) {
  Addr a;
  int prefix;
  std::string why;
  if (!ParseCIDR(s, &a, &prefix, &why)) {
    std::string msg = absl::StrCat("CIDR parse error: ", why, ": ");
    AppendQuoted(s, &msg);
    return Err(ctx, ErrorCode::kInvalidArgument, msg);
  }
  return MakeCIDR(*ctx.arena, a, prefix);
}

namespace builtins_internal {
absl::Span<const Builtin> NetBuiltins() { return kNet; }
}  // namespace builtins_internal

}  // namespace onus::engine
