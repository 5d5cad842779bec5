// Internals of the checker shared with its tests: type-parameter
// substitution, unification and container name candidates.
#ifndef ONUS_LANG_CHECKER_INTERNAL_H_
#define ONUS_LANG_CHECKER_INTERNAL_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "lang/types.h"

namespace onus::lang::checker_internal {

// Bindings of type parameters (by name) found so far, with a trail so a
// failed trial (an overload that does not match) is undone instead of
// copying the whole map per candidate.
class Subs {
 public:
  using Map = absl::flat_hash_map<std::string, Type>;
  Map::const_iterator find(const std::string& name) const {
    return map_.find(name);
  }
  Map::const_iterator end() const { return map_.end(); }
  size_t size() const { return map_.size(); }
  void Bind(const std::string& name, Type t) {
    map_[name] = std::move(t);
    trail_.push_back(name);
  }
  size_t mark() const { return trail_.size(); }
  void Undo(size_t mark) {
    while (trail_.size() > mark) {
      map_.erase(trail_.back());
      trail_.pop_back();
    }
  }
  // The bindings made since `mark`, to re-apply later with Bind.
  std::vector<std::pair<std::string, Type>> Since(size_t mark) const {
    std::vector<std::pair<std::string, Type>> out;
    for (size_t i = mark; i < trail_.size(); ++i) {
      out.push_back({trail_[i], map_.at(trail_[i])});
    }
    return out;
  }

 private:
  Map map_;
  std::vector<std::string> trail_;
};

// Follows bindings of a top-level type parameter.
Type Prune(const Type& t, const Subs& s);
// Applies bindings everywhere in t; unbound parameters become dyn when
// free_to_dyn.
Type Substitute(const Type& t, const Subs& s, bool free_to_dyn);
// Whether a value of type `arg` may be passed where `param` is expected,
// binding type parameters on either side (with an occurs check). On failure
// some bindings may have been made: undo to a mark taken before. dyn and
// error are assignable both ways; null goes to messages, wrappers and
// well-known types.
bool Assignable(const Type& param, const Type& arg, Subs& s);
bool IsNumeric(const Type& t);
// CEL name resolution candidates, most specific first: for container
// "a.b" and name "x": "a.b.x", "a.x", "x". A leading '.' means root only.
std::vector<std::string> Candidates(const std::string& container,
                                    absl::string_view name);

}  // namespace onus::lang::checker_internal

#endif  // ONUS_LANG_CHECKER_INTERNAL_H_
