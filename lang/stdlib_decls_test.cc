// The checker's declarations and the runtime's builtin table agree: every
// declared overload has an implementation the VM can call, so a program that
// type-checks never fails to compile for a missing builtin.
#include "lang/stdlib_decls.h"

#include <set>
#include <string>

#include "absl/strings/str_cat.h"
#include "engine/builtins.h"
#include "gtest/gtest.h"

namespace onus::lang {
namespace {

// Lowered by the compiler to jumps or instructions, not builtin calls.
const std::set<std::string>& CompilerHandled() {
  static const auto* s = new std::set<std::string>{
      "_&&_",
      "_||_",
      "_?_:_",
      "dyn",
      "@not_strictly_false",  // an opcode (NOT_STRICTLY_FALSE)
  };
  return *s;
}

TEST(StdlibDeclsTest, EveryOverloadHasARuntimeBuiltin) {
  std::set<std::string> missing;
  for (const FunctionDecl& f : StandardFunctions()) {
    if (CompilerHandled().count(f.name)) continue;
    for (const OverloadDecl& o : f.overloads) {
      int argc = static_cast<int>(o.params.size());
      if (engine::FindBuiltin(f.name, o.receiver, argc) == nullptr) {
        missing.insert(absl::StrCat(o.receiver ? "receiver " : "global ",
                                    f.name, "/", argc, " (", o.id, ")"));
      }
    }
  }
  for (const std::string& m : missing) ADD_FAILURE() << "no builtin: " << m;
}

TEST(StdlibDeclsTest, OverloadIdsAreUnique) {
  std::set<std::string> ids;
  for (const FunctionDecl& f : StandardFunctions()) {
    for (const OverloadDecl& o : f.overloads) {
      EXPECT_TRUE(ids.insert(o.id).second) << "duplicate overload id " << o.id;
    }
  }
  EXPECT_GT(ids.size(), 200u);
}

}  // namespace
}  // namespace onus::lang
