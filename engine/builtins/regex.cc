#include "engine/builtins/regex.h"

#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "engine/builtins/internal.h"
#include "engine/value_format.h"

namespace onus::engine {
namespace {

struct CacheEntry {
  std::string pattern;
  std::unique_ptr<RE2> re;
  uint64_t last_use = 0;
};

struct RegexCache {
  CacheEntry entries[kRegexCacheSize];
  uint64_t clock = 0;
};

}  // namespace

const RE2* CompiledRegex(absl::string_view pattern, std::string* error) {
  thread_local RegexCache cache;
  ++cache.clock;
  CacheEntry* victim = &cache.entries[0];
  for (CacheEntry& e : cache.entries) {
    if (e.re != nullptr && e.pattern == pattern) {
      e.last_use = cache.clock;
      if (!e.re->ok()) {
        *error = e.re->error();
        return nullptr;
      }
      return e.re.get();
    }
    if (e.last_use < victim->last_use) victim = &e;
  }
  RE2::Options opts;
  opts.set_log_errors(false);
  victim->pattern.assign(pattern.data(), pattern.size());
  victim->re = std::make_unique<RE2>(
      re2::StringPiece(pattern.data(), pattern.size()), opts);
  victim->last_use = cache.clock;
  if (!victim->re->ok()) {
    *error = victim->re->error();
    return nullptr;
  }
  return victim->re.get();
}

namespace {

Value Matches(CallContext& ctx, const Value* args, uint32_t argc) {
  using builtins_internal::NoOverload;
  if (args[0].kind != Kind::kString || args[1].kind != Kind::kString) {
    return NoOverload(ctx, "matches", args, argc);
  }
  std::string error;
  const RE2* re = CompiledRegex(args[1].string_view(), &error);
  if (re == nullptr) {
    std::string msg = "invalid regular expression ";
    AppendQuoted(args[1].string_view(), &msg);
    absl::StrAppend(&msg, ": ", error);
    return builtins_internal::Err(ctx, ErrorCode::kInvalidArgument, msg);
  }
  return Value::Bool(
      RE2::PartialMatch(re2::StringPiece(args[0].str, args[0].len), *re));
}

const Builtin kRegex[] = {
    {"matches", true, 2, 2, Matches},
    {"matches", false, 2, 2, Matches},
};

}  // namespace

namespace builtins_internal {
absl::Span<const Builtin> RegexBuiltins() { return kRegex; }
}  // namespace builtins_internal

}  // namespace onus::engine
