// Macro expansion: has(), the comprehension macros, cel.bind and the
// optional-value macros, following the expansions of CEL's reference
// implementations so evaluation and conformance results line up.
#include "lang/macros.h"

#include "absl/strings/str_cat.h"
#include "lang/parser_internal.h"

namespace onus::lang {

bool IsMacro(absl::string_view name, int argc, bool global) {
  if (global) return name == "has" && argc == 1;
  if (name == "all" || name == "exists" || name == "exists_one") {
    return argc == 2 || argc == 3;
  }
  if (name == "existsOne") return argc == 3;
  if (name == "map") return argc == 2 || argc == 3;
  if (name == "filter") return argc == 2;
  if (name == "transformList" || name == "transformMap" ||
      name == "transformMapEntry") {
    return argc == 3 || argc == 4;
  }
  if (name == "optMap" || name == "optFlatMap") return argc == 2;
  if (name == "bind") return argc == 3;
  if (name == "block" || name == "iterVar" || name == "accuVar") {
    return argc == 2;
  }
  if (name == "index") return argc == 1;
  return false;
}

namespace parser_internal {

Expr* ExprParser::ExpandMacro(Expr* call) {
  const int argc = static_cast<int>(call->args.size());
  const bool global = call->target == nullptr;
  if (!IsMacro(call->name, argc, global)) return nullptr;
  const Span at = call->span;
  const std::string accu(kAccumulatorVar);
  auto fail = [&](Span span, std::string message) {
    errors_->Error("E0008", span, std::move(message));
    return ErrorNode(at);
  };
  auto record = [&](Expr* expansion) {
    ast_->macro_calls[expansion->id] = call;
    return expansion;
  };

  if (global) {  // has(a.b)
    Expr* arg = call->args[0];
    if (arg->kind != ExprKind::kSelect || arg->optional_select) {
      return fail(arg->span,
                  "has() needs a field selection such as `has(a.b)`");
    }
    Expr* test = NewSelect(at, arg->operand, arg->name);
    test->test_only = true;
    return record(test);
  }

  const std::string& name = call->name;
  const bool cel_ns =
      call->target->kind == ExprKind::kIdent && call->target->name == "cel";
  if (name == "block" || name == "index" || name == "iterVar" ||
      name == "accuVar") {
    // The cel.block extension (common subexpression elimination):
    //   cel.block([e0, e1, ...], r)  -> cel.@block([e0, e1, ...], r)
    //   cel.index(i)                 -> @index<i>   (the value of slot i)
    //   cel.iterVar(i, j) / accuVar  -> @it:i:j / @ac:i:j
    if (!cel_ns) return nullptr;
    if (name == "block") {
      if (call->args[0]->kind != ExprKind::kList) {
        return fail(call->args[0]->span,
                    "cel.block() needs a list literal of bindings first");
      }
      return record(NewCall(at, "cel.@block", {call->args[0], call->args[1]}));
    }
    std::string ident = name == "index"     ? "@index"
                        : name == "iterVar" ? "@it"
                                            : "@ac";
    for (size_t i = 0; i < call->args.size(); ++i) {
      const Expr* arg = call->args[i];
      if (arg->kind != ExprKind::kConst ||
          arg->constant.kind != ConstKind::kInt ||
          arg->constant.int_value < 0) {
        return fail(
            arg->span,
            absl::StrCat("cel.", name, "() needs non-negative int literals"));
      }
      absl::StrAppend(&ident, name == "index" ? "" : ":",
                      arg->constant.int_value);
    }
    return record(NewIdent(at, std::move(ident)));
  }
  if (name == "bind") {
    // cel.bind(v, init, expr): only with the `cel` namespace as receiver.
    if (!cel_ns) return nullptr;
    Expr* var = call->args[0];
    if (var->kind != ExprKind::kIdent || var->name[0] == '.') {
      return fail(var->span, "cel.bind() needs a simple variable name first");
    }
    Expr* comp = ast_->NewExpr(ExprKind::kComprehension, at);
    comp->iter_var = std::string(kUnusedIterVar);
    comp->iter_range = NewList(at, {});
    comp->accu_var = var->name;
    comp->accu_init = call->args[1];
    comp->loop_condition = NewBool(at, false);
    comp->loop_step = NewIdent(var->span, var->name);
    comp->result = call->args[2];
    return record(Finish(comp));
  }

  if (name == "optMap" || name == "optFlatMap") {
    // x.optMap(v, e) ->
    //   x.hasValue() ? optional.of(cel.bind(v, x.value(), e)) : optional.none()
    Expr* var = call->args[0];
    if (var->kind != ExprKind::kIdent || var->name[0] == '.') {
      return fail(var->span,
                  absl::StrCat(name, "() needs a simple variable name first"));
    }
    Expr* has_value = NewCall(at, "hasValue", {}, Copy(call->target));
    Expr* bind = ast_->NewExpr(ExprKind::kComprehension, at);
    bind->iter_var = std::string(kUnusedIterVar);
    bind->iter_range = NewList(at, {});
    bind->accu_var = var->name;
    bind->accu_init = NewCall(at, "value", {}, Copy(call->target));
    bind->loop_condition = NewBool(at, false);
    bind->loop_step = NewIdent(var->span, var->name);
    bind->result = call->args[1];
    Finish(bind);
    Expr* some = name == "optMap" ? NewCall(at, "optional.of", {bind}) : bind;
    Expr* none = NewCall(at, "optional.none", {});
    return record(NewCall(at, "_?_:_", {has_value, some, none}));
  }

  // Comprehension macros. Two-variable forms take (k, v, ...) first.
  bool two_var = name == "existsOne" || name == "transformList" ||
                 name == "transformMap" || name == "transformMapEntry" ||
                 ((name == "all" || name == "exists" || name == "exists_one") &&
                  argc == 3);
  int nvars = two_var ? 2 : 1;
  std::string vars[2];
  for (int i = 0; i < nvars; ++i) {
    Expr* v = call->args[i];
    if (v->kind != ExprKind::kIdent || v->name[0] == '.') {
      return fail(v->span,
                  absl::StrCat(name, "() needs a simple variable name",
                               nvars == 2 && i == 1 ? " second" : " first",
                               ", such as `x`"));
    }
    if (v->name == accu) {
      return fail(v->span, absl::StrCat("`", accu, "` is reserved"));
    }
    vars[i] = v->name;
  }
  if (two_var && vars[0] == vars[1]) {
    return fail(call->args[1]->span,
                absl::StrCat(name, "() needs two different variable names"));
  }
  auto accu_ident = [&]() { return NewIdent(at, accu); };

  Expr* comp = ast_->NewExpr(ExprKind::kComprehension, at);
  comp->iter_var = vars[0];
  if (two_var) comp->iter_var2 = vars[1];
  comp->iter_range = call->target;
  comp->accu_var = accu;
  const std::vector<Expr*>& a = call->args;
  if (name == "all") {
    comp->accu_init = NewBool(at, true);
    comp->loop_condition = NewCall(at, "@not_strictly_false", {accu_ident()});
    comp->loop_step = NewCall(at, "_&&_", {accu_ident(), a[nvars]});
    comp->result = accu_ident();
  } else if (name == "exists") {
    comp->accu_init = NewBool(at, false);
    comp->loop_condition =
        NewCall(at, "@not_strictly_false", {NewCall(at, "!_", {accu_ident()})});
    comp->loop_step = NewCall(at, "_||_", {accu_ident(), a[nvars]});
    comp->result = accu_ident();
  } else if (name == "exists_one" || name == "existsOne") {
    comp->accu_init = NewInt(at, 0);
    comp->loop_condition = NewBool(at, true);
    comp->loop_step =
        NewCall(at, "_?_:_",
                {a[nvars], NewCall(at, "_+_", {accu_ident(), NewInt(at, 1)}),
                 accu_ident()});
    comp->result = NewCall(at, "_==_", {accu_ident(), NewInt(at, 1)});
  } else if (name == "map" || name == "filter" || name == "transformList") {
    // map(x, t), map(x, p, t), filter(x, p), transformList(i, v[, p], t)
    bool filter = name == "filter";
    bool has_pred = filter || argc == nvars + 2;
    Expr* pred = has_pred ? a[nvars] : nullptr;
    Expr* elem = filter ? NewIdent(a[0]->span, vars[0]) : a[argc - 1];
    comp->accu_init = NewList(at, {});
    comp->loop_condition = NewBool(at, true);
    Expr* append =
        NewCall(at, "_+_", {accu_ident(), NewList(elem->span, {elem})});
    comp->loop_step = pred == nullptr
                          ? append
                          : NewCall(at, "_?_:_", {pred, append, accu_ident()});
    comp->result = accu_ident();
  } else {
    // transformMap(k, v[, p], t): insert k -> t;
    // transformMapEntry(k, v[, p], e): merge the one-entry map e.
    bool entry = name == "transformMapEntry";
    Expr* pred = argc == 4 ? a[2] : nullptr;
    Expr* init = ast_->NewExpr(ExprKind::kMap, at);
    comp->accu_init = Finish(init);
    comp->loop_condition = NewBool(at, true);
    Expr* insert =
        entry ? NewCall(at, "cel.@mapInsert", {accu_ident(), a[argc - 1]})
              : NewCall(
                    at, "cel.@mapInsert",
                    {accu_ident(), NewIdent(a[0]->span, vars[0]), a[argc - 1]});
    comp->loop_step = pred == nullptr
                          ? insert
                          : NewCall(at, "_?_:_", {pred, insert, accu_ident()});
    comp->result = accu_ident();
  }
  return record(Finish(comp));
}

}  // namespace parser_internal
}  // namespace onus::lang
