// The builtin table: every family's entries, indexed by (name, receiver).
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "engine/builtins.h"
#include "engine/builtins/internal.h"

namespace onus::engine {
namespace {

struct Table {
  std::vector<Builtin> all;
  // (name, receiver) -> indices into `all`; several entries may share a
  // name with different arity ranges. Names are string literals, so the
  // keys can be views and lookups allocate nothing.
  absl::flat_hash_map<std::pair<absl::string_view, bool>, std::vector<size_t>>
      index;

  Table() {
    using namespace builtins_internal;  // NOLINT: family tables only
    for (auto span : {OperatorBuiltins(), ConversionBuiltins(),
                      StringBuiltins(), StringExtBuiltins(), TimeBuiltins(),
                      MathExtBuiltins(), EncoderBuiltins(), NetBuiltins(),
                      JsonBuiltins(), RegexBuiltins(), OptionalBuiltins(),
                      MapInsertBuiltins(), HostBuiltins(), EnumBuiltins()}) {
      all.insert(all.end(), span.begin(), span.end());
    }
    for (size_t i = 0; i < all.size(); ++i) {
      index[{absl::string_view(all[i].name), all[i].receiver}].push_back(i);
    }
  }
};

const Table& GetTable() {
  static const Table* t = new Table();
  return *t;
}

}  // namespace

const Builtin* FindBuiltin(absl::string_view name, bool receiver, int argc) {
  const Table& t = GetTable();
  auto it = t.index.find(std::make_pair(name, receiver));
  if (it == t.index.end()) return nullptr;
  for (size_t i : it->second) {
    const Builtin& b = t.all[i];
    if (argc >= b.min_args && (b.max_args < 0 || argc <= b.max_args)) {
      return &b;
    }
  }
  return nullptr;
}

absl::Span<const Builtin> AllBuiltins() { return GetTable().all; }

}  // namespace onus::engine
