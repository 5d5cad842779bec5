#include "lang/frontend.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "lang/large_stack.h"
#include "lang/status_macros.h"
#include "lang/stdlib_decls.h"

namespace onus::lang {
namespace {

namespace fs = std::filesystem;
using google::protobuf::Descriptor;
using google::protobuf::DescriptorPool;
using google::protobuf::FileDescriptor;

absl::StatusOr<std::string> ReadFromDisk(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read ", path));
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad())
    return absl::DataLossError(absl::StrCat("error reading ", path));
  return text.str();
}

std::string Normalize(const std::string& path) {
  return fs::path(path).lexically_normal().generic_string();
}

// A constant or helper declared in a file.
struct HelperRef {
  int file = -1;
  const ConstDecl* c = nullptr;
  const FnDecl* f = nullptr;
};

// The names visible in one file: its own declarations, unaliased imports
// (possibly ambiguous: several candidates) and import aliases.
struct FileScope {
  absl::flat_hash_map<std::string, HelperRef> own;
  absl::flat_hash_map<std::string, std::vector<HelperRef>> imported;
  absl::flat_hash_map<std::string, int> aliases;
};

// ---------------------------------------------------------------------------
// Loading and imports

class Loader {
 public:
  Loader(const FrontendOptions& opts, DiagnosticList& diags, PolicySet& set)
      : opts_(opts), diags_(diags), set_(set) {}

  void AddMemory(const std::string& name, const std::string& text) {
    memory_[Normalize(name)] = text;
  }

  int Load(const std::string& name, std::string text) {
    std::string key = Normalize(name);
    auto it = by_path_.find(key);
    if (it != by_path_.end()) return it->second;
    auto src = std::make_shared<const Source>(name, std::move(text));
    std::unique_ptr<PolicyFile> file =
        ParsePolicyFile(*src, diags_, opts_.parser);
    file->source = src.get();
    int index = static_cast<int>(set_.files.size());
    set_.sources.push_back(std::move(src));
    set_.files.push_back(std::move(file));
    imports_.emplace_back();
    by_path_[key] = index;
    return index;
  }

  // Loads every import reachable from the files loaded so far.
  void ResolveImports() {
    for (size_t i = 0; i < set_.files.size(); ++i) {
      const PolicyFile& file = *set_.files[i];
      std::string dir = fs::path(file.source->name()).parent_path().string();
      for (const Import& imp : file.imports) {
        std::string path = Normalize((fs::path(dir) / imp.path).string());
        int target = -1;
        auto it = by_path_.find(path);
        if (it != by_path_.end()) {
          target = it->second;
        } else if (static_cast<int>(set_.files.size()) >= opts_.max_files) {
          diags_.Error(
              "E0113", file.source, imp.span,
              absl::StrCat("too many files (more than ", opts_.max_files, ")"));
        } else {
          absl::StatusOr<std::string> text = Read(path);
          if (!text.ok()) {
            diags_.Error("E0113", file.source, imp.span,
                         absl::StrCat("cannot import `", imp.path,
                                      "`: ", text.status().message()));
          } else {
            target = Load(path, *std::move(text));
          }
        }
        // `files` may have grown; index again rather than keep references.
        imports_[i].push_back(target);
      }
    }
  }

  // Reports every import cycle once, with its chain. Iterative DFS.
  void CheckCycles() {
    const int n = static_cast<int>(set_.files.size());
    std::vector<int> color(n, 0);  // 0 new, 1 on stack, 2 done
    for (int start = 0; start < n; ++start) {
      if (color[start] != 0) continue;
      std::vector<std::pair<int, size_t>> stack = {{start, 0}};
      color[start] = 1;
      while (!stack.empty()) {
        auto& [node, next] = stack.back();
        if (next == imports_[node].size()) {
          color[node] = 2;
          stack.pop_back();
          continue;
        }
        size_t edge = next++;
        int target = imports_[node][edge];
        if (target < 0) continue;
        if (color[target] == 0) {
          color[target] = 1;
          stack.push_back({target, 0});
        } else if (color[target] == 1) {
          std::vector<std::string> chain;
          bool on = false;
          for (const auto& [f, unused] : stack) {
            on = on || f == target;
            if (on) chain.push_back(set_.files[f]->source->name());
          }
          chain.push_back(set_.files[target]->source->name());
          const PolicyFile& file = *set_.files[node];
          diags_.Error(
              "E0114", file.source, file.imports[edge].span,
              absl::StrCat("import cycle: ", absl::StrJoin(chain, " -> ")));
        }
      }
    }
  }

  std::vector<FileScope> BuildScopes() {
    std::vector<FileScope> scopes(set_.files.size());
    for (size_t i = 0; i < set_.files.size(); ++i) {
      const PolicyFile& f = *set_.files[i];
      for (const ConstDecl& c : f.consts) {
        scopes[i].own.emplace(c.name, HelperRef{static_cast<int>(i), &c});
      }
      for (const FnDecl& fn : f.fns) {
        scopes[i].own.emplace(fn.name,
                              HelperRef{static_cast<int>(i), nullptr, &fn});
      }
    }
    for (size_t i = 0; i < set_.files.size(); ++i) {
      const PolicyFile& f = *set_.files[i];
      for (size_t j = 0; j < f.imports.size(); ++j) {
        int target = imports_[i][j];
        if (target < 0 || target == static_cast<int>(i)) continue;
        if (!f.imports[j].alias.empty()) {
          scopes[i].aliases[f.imports[j].alias] = target;
          continue;
        }
        for (const auto& [name, ref] : scopes[target].own) {
          auto& list = scopes[i].imported[name];
          bool dup = std::any_of(list.begin(), list.end(),
                                 [&](auto& r) { return r.file == ref.file; });
          if (!dup) list.push_back(ref);
        }
      }
    }
    return scopes;
  }

 private:
  absl::StatusOr<std::string> Read(const std::string& path) {
    auto it = memory_.find(path);
    if (it != memory_.end()) return it->second;
    if (opts_.read_file) return opts_.read_file(path);
    return ReadFromDisk(path);
  }

  const FrontendOptions& opts_;
  DiagnosticList& diags_;
  PolicySet& set_;
  absl::flat_hash_map<std::string, int> by_path_;
  absl::flat_hash_map<std::string, std::string> memory_;
  std::vector<std::vector<int>> imports_;  // per file, per import: file or -1
};

// ---------------------------------------------------------------------------
// Inlining

class Inliner {
 public:
  Inliner(const PolicySet& set, const std::vector<FileScope>& scopes,
          int policy_file, Ast* out, std::vector<SpanOrigin>* origins,
          const FrontendOptions& opts, DiagnosticList& diags)
      : set_(set),
        scopes_(scopes),
        out_(out),
        origins_(origins),
        opts_(opts),
        diags_(diags) {
    Frame top;
    top.file = policy_file;
    top.src = set.files[policy_file]->source;
    frames_.push_back(top);
    policy_src_ = top.src;
  }

  // Names bound in the policy itself (resource variable): never helpers.
  void BindTopLevel(const std::string& name) {
    locals_.push_back({name, name, 0});
  }

  // Copies `e` from the policy file into the output Ast; null on failure.
  Expr* Inline(const Expr* e) {
    if (e == nullptr) return nullptr;
    bool before = failed_;
    failed_ = false;
    Expr* r = Copy(e, 0);
    bool ok = !failed_;
    failed_ = before || failed_;
    return ok ? r : nullptr;
  }

  bool failed() const { return failed_; }

 private:
  struct Frame {
    int file = -1;
    const Source* src = nullptr;
    // Helper parameters -> argument copies already in the output Ast.
    absl::flat_hash_map<std::string, const Expr*> params;
    bool foreign = false;  // file differs from the policy's
    Span call_site;        // in the policy's file, for foreign frames
    bool rename = false;   // rename comprehension variables (helper bodies)
  };
  struct Local {
    std::string name;
    std::string renamed;
    size_t frame;
  };

  Frame& frame() { return frames_.back(); }

  void Fail(absl::string_view code, const Expr* at, std::string msg,
            std::string help = "") {
    failed_ = true;
    diags_.Error(code, frame().src, at->span, std::move(msg), std::move(help));
  }

  Expr* NewNode(ExprKind kind, const Expr* orig) {
    Expr* n =
        out_->NewExpr(kind, frame().foreign ? frame().call_site : orig->span);
    Track(n->id, orig->span);
    return n;
  }

  void Track(ExprId id, Span orig) {
    if (origins_->size() <= static_cast<size_t>(id)) {
      origins_->resize(id + 1);
    }
    if (frame().foreign) (*origins_)[id] = SpanOrigin{frame().src, orig};
  }

  Expr* Placeholder(const Expr* orig) {
    Expr* n = NewNode(ExprKind::kConst, orig);
    n->constant.kind = ConstKind::kNull;
    return n;
  }

  const Local* FindLocal(const std::string& name) const {
    for (auto it = locals_.rbegin(); it != locals_.rend(); ++it) {
      // Lexical scope: a helper body sees only its own comprehension
      // variables (its parameters are substituted separately).
      if (it->frame == frames_.size() - 1 && it->name == name) return &*it;
    }
    return nullptr;
  }

  bool IsValueName(const std::string& name) {
    return FindLocal(name) != nullptr || frame().params.contains(name);
  }

  // A plain-name helper visible in the current file: own first, then
  // imported (ambiguous when several files declare it).
  bool FindHelper(const Expr* at, const std::string& name, HelperRef* out) {
    const FileScope& scope = scopes_[frame().file];
    auto own = scope.own.find(name);
    if (own != scope.own.end()) {
      *out = own->second;
      return true;
    }
    auto imp = scope.imported.find(name);
    if (imp == scope.imported.end() || imp->second.empty()) return false;
    if (imp->second.size() > 1) {
      std::vector<std::string> files;
      for (const HelperRef& r : imp->second) {
        files.push_back(set_.files[r.file]->source->name());
      }
      Fail("E0118", at,
           absl::StrCat("`", name, "` is declared by several imports: ",
                        absl::StrJoin(files, ", ")),
           "import one of them with `as` and use a qualified name");
      return false;
    }
    *out = imp->second[0];
    return true;
  }

  // Enters a helper's file; returns false (and reports) on a cycle.
  bool Enter(const std::string& key, const std::string& shown, const Expr* at,
             const char* what) {
    for (size_t i = 0; i < expanding_.size(); ++i) {
      if (expanding_[i].first != key) continue;
      std::vector<std::string> chain;
      for (size_t j = i; j < expanding_.size(); ++j) {
        chain.push_back(expanding_[j].second);
      }
      chain.push_back(shown);
      Fail("E0110", at,
           absl::StrCat(what, " `", shown,
                        "` refers to itself: ", absl::StrJoin(chain, " -> ")),
           "helpers are inlined, so they cannot be recursive");
      return false;
    }
    expanding_.push_back({key, shown});
    return true;
  }

  Frame Callee(const HelperRef& ref, const Expr* at) {
    Frame f;
    f.file = ref.file;
    f.src = set_.files[ref.file]->source;
    f.foreign = f.src != policy_src_;
    f.call_site = frame().foreign ? frame().call_site : at->span;
    return f;
  }

  Expr* InlineConst(const HelperRef& ref, const Expr* at, int depth) {
    std::string key = absl::StrCat(ref.file, ":", ref.c->name);
    if (!Enter(key, ref.c->name, at, "constant")) return Placeholder(at);
    frames_.push_back(Callee(ref, at));
    Expr* r = ref.c->value ? Copy(ref.c->value, depth + 1) : nullptr;
    frames_.pop_back();
    expanding_.pop_back();
    return r ? r : Placeholder(at);
  }

  Expr* InlineFn(const HelperRef& ref, const Expr* call, int depth) {
    const FnDecl& fn = *ref.f;
    if (call->args.size() != fn.params.size()) {
      Fail("E0116", call,
           absl::StrCat("helper `", fn.name, "` takes ", fn.params.size(),
                        fn.params.size() == 1 ? " argument" : " arguments",
                        ", got ", call->args.size()),
           absl::StrCat("declared as fn ", fn.name, "(",
                        absl::StrJoin(fn.params, ", "), ")"));
      return Placeholder(call);
    }
    std::vector<Expr*> args;
    for (const Expr* a : call->args) args.push_back(Copy(a, depth + 1));
    std::string key = absl::StrCat(ref.file, ":", fn.name, "()");
    if (!Enter(key, fn.name, call, "helper")) return Placeholder(call);
    Frame f = Callee(ref, call);
    f.rename = true;
    for (size_t i = 0; i < fn.params.size(); ++i) {
      f.params[fn.params[i]] = args[i];
    }
    frames_.push_back(std::move(f));
    Expr* r = fn.body ? Copy(fn.body, depth + 1) : nullptr;
    frames_.pop_back();
    expanding_.pop_back();
    return r ? r : Placeholder(call);
  }

  // Deep copy of a node already in the output Ast (a helper argument used
  // by a parameter); spans and origins are kept as they are.
  Expr* Clone(const Expr* e, int depth) {
    if (!Budget(e, depth)) return Placeholder(e);
    Expr* n = out_->NewExpr(e->kind, e->span);
    if (origins_->size() <= static_cast<size_t>(n->id)) {
      origins_->resize(n->id + 1);
    }
    if (static_cast<size_t>(e->id) < origins_->size()) {
      (*origins_)[n->id] = (*origins_)[e->id];
    }
    CopyScalars(e, n);
    if (e->operand) n->operand = Clone(e->operand, depth + 1);
    if (e->target) n->target = Clone(e->target, depth + 1);
    for (const Expr* a : e->args) n->args.push_back(Clone(a, depth + 1));
    for (const Entry& en : e->entries) {
      Entry c = en;
      c.id = out_->NewEntryId();
      c.key = en.key ? Clone(en.key, depth + 1) : nullptr;
      c.value = en.value ? Clone(en.value, depth + 1) : nullptr;
      n->entries.push_back(std::move(c));
    }
    if (e->kind == ExprKind::kComprehension) {
      n->iter_range = Clone(e->iter_range, depth + 1);
      n->accu_init = Clone(e->accu_init, depth + 1);
      n->loop_condition = Clone(e->loop_condition, depth + 1);
      n->loop_step = Clone(e->loop_step, depth + 1);
      n->result = Clone(e->result, depth + 1);
    }
    return n;
  }

  static void CopyScalars(const Expr* e, Expr* n) {
    n->constant = e->constant;
    n->name = e->name;
    n->test_only = e->test_only;
    n->optional_select = e->optional_select;
    n->optional_indices = e->optional_indices;
    n->iter_var = e->iter_var;
    n->iter_var2 = e->iter_var2;
    n->accu_var = e->accu_var;
  }

  bool Budget(const Expr* at, int depth) {
    if (++nodes_ > opts_.max_nodes) {
      if (!size_reported_) {
        size_reported_ = true;
        Fail("E0112", at,
             absl::StrCat("expression is too large after inlining helpers "
                          "(more than ",
                          opts_.max_nodes, " nodes)"));
      }
      failed_ = true;
      return false;
    }
    if (depth > opts_.max_depth) {
      if (!depth_reported_) {
        depth_reported_ = true;
        Fail("E0111", at,
             absl::StrCat("expression nests deeper than ", opts_.max_depth,
                          " levels after inlining helpers"));
      }
      failed_ = true;
      return false;
    }
    return true;
  }

  std::string Rename(const std::string& name) {
    if (name.empty() || !frame().rename || name[0] == '@') return name;
    return absl::StrCat(name, "#", ++renames_);
  }

  Expr* Copy(const Expr* e, int depth) {
    if (e == nullptr) return nullptr;
    if (!Budget(e, depth)) return nullptr;
    switch (e->kind) {
      case ExprKind::kIdent: {
        if (absl::StartsWith(e->name, ".")) break;
        if (const Local* l = FindLocal(e->name)) {
          Expr* n = NewNode(ExprKind::kIdent, e);
          n->name = l->renamed;
          return n;
        }
        auto p = frame().params.find(e->name);
        if (p != frame().params.end()) return Clone(p->second, depth);
        HelperRef ref;
        if (FindHelper(e, e->name, &ref)) {
          if (ref.c != nullptr) return InlineConst(ref, e, depth);
          Fail("E0104", e,
               absl::StrCat("`", e->name,
                            "` is a helper function; call it "
                            "with arguments"));
          return Placeholder(e);
        }
        if (failed_) return Placeholder(e);
        break;
      }
      case ExprKind::kSelect: {
        const Expr* op = e->operand;
        if (!e->test_only && op && op->kind == ExprKind::kIdent &&
            !IsValueName(op->name)) {
          auto alias = scopes_[frame().file].aliases.find(op->name);
          if (alias != scopes_[frame().file].aliases.end()) {
            return Qualified(alias->second, e, e->name, false, depth);
          }
        }
        break;
      }
      case ExprKind::kCall: {
        if (e->target == nullptr) {
          HelperRef ref;
          // Locals never shadow functions: CEL has separate namespaces.
          if (FindHelper(e, e->name, &ref)) {
            if (ref.f != nullptr) return InlineFn(ref, e, depth);
            Fail("E0104", e,
                 absl::StrCat("`", e->name,
                              "` is a constant, not a helper "
                              "function"));
            return Placeholder(e);
          }
          if (failed_) return Placeholder(e);
        } else if (e->target->kind == ExprKind::kIdent &&
                   !IsValueName(e->target->name)) {
          auto alias = scopes_[frame().file].aliases.find(e->target->name);
          if (alias != scopes_[frame().file].aliases.end()) {
            return Qualified(alias->second, e, e->name, true, depth);
          }
        }
        break;
      }
      default:
        break;
    }
    return CopyNode(e, depth);
  }

  // `alias.NAME` or `alias.fn(args)`.
  Expr* Qualified(int file, const Expr* e, const std::string& name, bool call,
                  int depth) {
    const FileScope& scope = scopes_[file];
    auto it = scope.own.find(name);
    if (it != scope.own.end() &&
        (call ? it->second.f != nullptr : it->second.c != nullptr)) {
      return call ? InlineFn(it->second, e, depth)
                  : InlineConst(it->second, e, depth);
    }
    std::vector<std::string> names;
    for (const auto& [n, ref] : scope.own) {
      if (call ? ref.f != nullptr : ref.c != nullptr) names.push_back(n);
    }
    std::string hint = DidYouMean(name, names);
    Fail("E0101", e,
         absl::StrCat(set_.files[file]->source->name(), " declares no ",
                      call ? "helper `" : "constant `", name, "`"),
         hint.empty() ? "" : absl::StrCat("did you mean `", hint, "`?"));
    return Placeholder(e);
  }

  Expr* CopyNode(const Expr* e, int depth) {
    Expr* n = NewNode(e->kind, e);
    CopyScalars(e, n);
    switch (e->kind) {
      case ExprKind::kConst:
      case ExprKind::kIdent:
        break;
      case ExprKind::kSelect:
        n->operand = Copy(e->operand, depth + 1);
        break;
      case ExprKind::kCall:
        n->target = Copy(e->target, depth + 1);
        for (const Expr* a : e->args) n->args.push_back(Copy(a, depth + 1));
        break;
      case ExprKind::kList:
        for (const Expr* a : e->args) n->args.push_back(Copy(a, depth + 1));
        break;
      case ExprKind::kMap:
      case ExprKind::kStruct:
        for (const Entry& en : e->entries) {
          Entry c = en;
          c.id = out_->NewEntryId();
          if (frame().foreign) c.span = frame().call_site;
          Track(c.id, en.span);
          c.key = Copy(en.key, depth + 1);
          c.value = Copy(en.value, depth + 1);
          n->entries.push_back(std::move(c));
        }
        break;
      case ExprKind::kComprehension: {
        n->iter_range = Copy(e->iter_range, depth + 1);
        n->accu_init = Copy(e->accu_init, depth + 1);
        size_t f = frames_.size() - 1;
        size_t mark = locals_.size();
        n->accu_var = Rename(e->accu_var);
        locals_.push_back({e->accu_var, n->accu_var, f});
        size_t iter_mark = locals_.size();
        n->iter_var = Rename(e->iter_var);
        locals_.push_back({e->iter_var, n->iter_var, f});
        if (!e->iter_var2.empty()) {
          n->iter_var2 = Rename(e->iter_var2);
          locals_.push_back({e->iter_var2, n->iter_var2, f});
        }
        n->loop_condition = Copy(e->loop_condition, depth + 1);
        n->loop_step = Copy(e->loop_step, depth + 1);
        locals_.resize(iter_mark);
        n->result = Copy(e->result, depth + 1);
        locals_.resize(mark);
        break;
      }
    }
    return n;
  }

  const PolicySet& set_;
  const std::vector<FileScope>& scopes_;
  Ast* out_;
  std::vector<SpanOrigin>* origins_;
  const FrontendOptions& opts_;
  DiagnosticList& diags_;
  const Source* policy_src_ = nullptr;
  std::vector<Frame> frames_;
  std::vector<Local> locals_;
  std::vector<std::pair<std::string, std::string>> expanding_;  // key, shown
  int nodes_ = 0;
  int renames_ = 0;
  bool failed_ = false;
  bool size_reported_ = false;
  bool depth_reported_ = false;
};

// ---------------------------------------------------------------------------
// Checking

// Ids of every node and entry under root (explicit stack).
std::vector<ExprId> SubtreeIds(const Expr* root) {
  std::vector<ExprId> ids;
  std::vector<const Expr*> stack = {root};
  while (!stack.empty()) {
    const Expr* e = stack.back();
    stack.pop_back();
    if (e == nullptr) continue;
    ids.push_back(e->id);
    stack.push_back(e->operand);
    stack.push_back(e->target);
    for (const Expr* a : e->args) stack.push_back(a);
    for (const Entry& en : e->entries) {
      ids.push_back(en.id);
      stack.push_back(en.key);
      stack.push_back(en.value);
    }
    stack.push_back(e->iter_range);
    stack.push_back(e->accu_init);
    stack.push_back(e->loop_condition);
    stack.push_back(e->loop_step);
    stack.push_back(e->result);
  }
  return ids;
}

std::vector<std::string> NearbyMessageNames(const DescriptorPool* pool,
                                            const std::string& name) {
  std::vector<std::string> out;
  std::string prefix = name;
  const FileDescriptor* file = nullptr;
  while (file == nullptr && !prefix.empty()) {
    size_t dot = prefix.rfind('.');
    prefix = dot == std::string::npos ? "" : prefix.substr(0, dot);
    if (!prefix.empty()) file = pool->FindFileContainingSymbol(prefix);
  }
  if (file == nullptr) return out;
  std::vector<const FileDescriptor*> files = {file};
  for (int i = 0; i < file->dependency_count(); ++i) {
    files.push_back(file->dependency(i));
  }
  for (const FileDescriptor* f : files) {
    for (int i = 0; i < f->message_type_count(); ++i) {
      out.push_back(f->message_type(i)->full_name());
    }
  }
  return out;
}

bool AccountLevel(const std::string& type) {
  for (const char* suffix : {"Account", "Project", "Subscription"}) {
    if (type == suffix || absl::EndsWith(type, absl::StrCat(".", suffix))) {
      return true;
    }
  }
  return false;
}

std::string DiagKey(const Diagnostic& d) {
  return absl::StrCat(d.code, "|", reinterpret_cast<uintptr_t>(d.source), "|",
                      d.span.begin, "|", d.span.end, "|", d.message);
}

class PolicyChecker {
 public:
  PolicyChecker(PolicySet& set, const std::vector<FileScope>& scopes,
                const FrontendOptions& opts, DiagnosticList& diags)
      : set_(set), scopes_(scopes), opts_(opts), diags_(diags) {
    pool_ = opts.pool ? opts.pool : DescriptorPool::generated_pool();
  }

  void CheckFile(int file_index) {
    const PolicyFile& file = *set_.files[file_index];
    for (const PolicyDecl& decl : file.policies) {
      set_.policies.push_back(CheckPolicy(file_index, decl));
    }
  }

 private:
  CheckedPolicy CheckPolicy(int file_index, const PolicyDecl& decl) {
    const PolicyFile& file = *set_.files[file_index];
    CheckedPolicy p;
    p.file = &file;
    p.decl = &decl;
    p.source = set_.sources[file_index];
    p.id = file.package.empty() ? decl.name
                                : absl::StrCat(file.package, ".", decl.name);
    p.ast = std::make_unique<Ast>();
    bool ok = true;

    auto seen = ids_.find(p.id);
    if (seen != ids_.end()) {
      diags_.Error("E0117", file.source, decl.name_span,
                   absl::StrCat("duplicate policy id `", p.id, "`"),
                   absl::StrCat("first declared at ", seen->second));
      ok = false;
    } else {
      ids_[p.id] = file.source->Describe(decl.name_span);
    }

    p.resource = pool_->FindMessageTypeByName(decl.resource_type);
    p.account_level = AccountLevel(decl.resource_type);
    if (p.resource == nullptr) {
      std::vector<std::string> names = opts_.resource_type_names;
      if (names.empty()) names = NearbyMessageNames(pool_, decl.resource_type);
      std::string hint = DidYouMean(decl.resource_type, names);
      diags_.Error(
          "E0115", file.source,
          decl.resource_type_span.empty() ? decl.span : decl.resource_type_span,
          absl::StrCat("unknown resource type `", decl.resource_type, "`"),
          hint.empty() ? "" : absl::StrCat("did you mean `", hint, "`?"));
      ok = false;
      p.resource_type = Type::Dyn();
    } else {
      p.resource_type = MessageValueType(p.resource);
      p.container = p.resource->file()->package();
    }
    if (!decl.resource_var.empty()) {
      p.variables.push_back({decl.resource_var, p.resource_type});
    }
    p.variables.push_back({"now", Type::Timestamp()});

    Inliner inliner(set_, scopes_, file_index, p.ast.get(), &p.origins, opts_,
                    diags_);
    if (!decl.resource_var.empty()) inliner.BindTopLevel(decl.resource_var);
    p.when = inliner.Inline(decl.when);
    p.require = inliner.Inline(decl.require);
    p.message_parts = decl.message.parts;
    // A `{…}` the parser could not read is kept as a null slot (its
    // diagnostic is already out); such a policy must not reach the compiler.
    bool messages_ok = true;
    for (const Expr* m : decl.message.exprs) {
      messages_ok = messages_ok && m != nullptr;
      p.message_exprs.push_back(inliner.Inline(m));
    }
    ok = ok && messages_ok && !inliner.failed() && decl.require != nullptr;

    p.checked.types.assign(p.ast->size(), Type::Error());
    p.checked.refs.assign(p.ast->size(), Reference{});
    p.origins.resize(p.ast->size());
    if (p.resource != nullptr) {
      CheckerEnv env;
      env.container = p.container;
      env.pool = pool_;
      env.variables = p.variables;
      env.functions = PolicyFunctions();
      env.max_depth = opts_.max_depth;
      env.origins = &p.origins;
      bool errors = CheckRoot(p, env, p.when, "when");
      errors = CheckRoot(p, env, p.require, "require") || errors;
      for (Expr* m : p.message_exprs) {
        errors = CheckRoot(p, env, m, nullptr) || errors;
      }
      ok = ok && !errors;
      if (p.require) p.checked.result_type = p.checked.TypeOf(p.require);
    }
    p.ok = ok;
    return p;
  }

  // Checks one root into p.checked; `what` names a root that must be bool.
  bool CheckRoot(CheckedPolicy& p, const CheckerEnv& env, Expr* root,
                 const char* what) {
    if (root == nullptr) return false;
    DiagnosticList local;
    absl::StatusOr<CheckedAst> r = Check(*p.ast, *root, *p.source, env, local);
    if (!r.ok()) {
      local.Error(
          "E0100", p.source.get(), root->span,
          absl::StrCat("internal checker error: ", r.status().message()));
    } else {
      for (ExprId id : SubtreeIds(root)) {
        p.checked.types[id] = r->types[id];
        p.checked.refs[id] = r->refs[id];
      }
      const Type& t = r->result_type;
      bool is_bool = t.kind == TypeKind::kBool || t.is_dyn() || t.is_error();
      if (what != nullptr && !is_bool) {
        Diagnostic d;
        d.code = "E0104";
        d.source = p.source.get();
        d.span = root->span;
        if (static_cast<size_t>(root->id) < p.origins.size() &&
            p.origins[root->id].source != nullptr) {
          d.source = p.origins[root->id].source;
          d.span = p.origins[root->id].span;
        }
        d.message =
            absl::StrCat("`", what, "` must be bool, got ", t.ToString());
        local.Add(std::move(d));
      }
    }
    // A helper used many times reports its own errors once. An error
    // located outside the policy block (in a helper body, possibly in
    // another file) gets a note saying which policy expression uses it.
    for (const Diagnostic& d : local.items()) {
      if (!reported_.insert(DiagKey(d)).second) continue;
      diags_.Add(d);
      bool inside = d.source == p.source.get() &&
                    d.span.begin >= p.decl->span.begin &&
                    d.span.end <= p.decl->span.end;
      if (d.severity == Severity::kError && !inside) {
        Diagnostic note;
        note.severity = Severity::kNote;
        note.code = d.code;
        note.source = p.source.get();
        note.span = root->span;
        note.message =
            absl::StrCat("in the helper used by `", what ? what : "message",
                         "` of policy `", p.id, "`");
        diags_.Add(std::move(note));
      }
    }
    return local.has_errors();
  }

  PolicySet& set_;
  const std::vector<FileScope>& scopes_;
  const FrontendOptions& opts_;
  DiagnosticList& diags_;
  const DescriptorPool* pool_;
  absl::flat_hash_map<std::string, std::string> ids_;
  absl::flat_hash_set<std::string> reported_;
};

absl::StatusOr<PolicySet> Finish(Loader& loader, PolicySet& set,
                                 const std::vector<int>& inputs,
                                 const FrontendOptions& options,
                                 DiagnosticList& diags) {
  loader.ResolveImports();
  loader.CheckCycles();
  std::vector<FileScope> scopes = loader.BuildScopes();
  PolicyChecker checker(set, scopes, options, diags);
  absl::flat_hash_set<int> done;
  for (int f : inputs) {
    if (done.insert(f).second) checker.CheckFile(f);
  }
  return std::move(set);
}

}  // namespace

absl::StatusOr<PolicySet> LoadPolicySources(
    const std::vector<std::pair<std::string, std::string>>& sources,
    const FrontendOptions& options, DiagnosticList& diags) {
  absl::StatusOr<PolicySet> result;
  // Inlining and checking recurse per nesting level; see large_stack.h.
  RunWithLargeStack([&] {
    PolicySet set;
    Loader loader(options, diags, set);
    for (const auto& [name, text] : sources) loader.AddMemory(name, text);
    std::vector<int> inputs;
    for (const auto& [name, text] : sources) {
      inputs.push_back(loader.Load(name, text));
    }
    result = Finish(loader, set, inputs, options, diags);
  });
  return result;
}

absl::StatusOr<PolicySet> LoadPolicyFiles(const std::vector<std::string>& paths,
                                          const FrontendOptions& options,
                                          DiagnosticList& diags) {
  std::vector<std::pair<std::string, std::string>> sources;
  auto read = [&](const std::string& path) -> absl::Status {
    absl::StatusOr<std::string> text =
        options.read_file ? options.read_file(path) : ReadFromDisk(path);
    if (!text.ok()) return text.status();
    sources.push_back({path, *std::move(text)});
    return absl::OkStatus();
  };
  for (const std::string& path : paths) {
    std::error_code ec;
    if (fs::is_directory(path, ec)) {
      std::vector<std::string> found;
      for (auto it = fs::recursive_directory_iterator(path, ec);
           !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
        if (it->is_regular_file(ec) && it->path().extension() == ".onus") {
          found.push_back(it->path().generic_string());
        }
      }
      if (ec) {
        return absl::NotFoundError(
            absl::StrCat("cannot list ", path, ": ", ec.message()));
      }
      // A directory without policies is most likely a wrong path (a typo,
      // an unchecked-out folder); compiling nothing from it would let
      // `check`, `test` or a server start pass with no policy at all.
      if (found.empty()) {
        return absl::InvalidArgumentError(
            absl::StrCat(path, ": no .onus policy files in this directory"));
      }
      std::sort(found.begin(), found.end());
      for (const std::string& f : found) ONUS_RETURN_IF_ERROR(read(f));
    } else {
      ONUS_RETURN_IF_ERROR(read(path));
    }
  }
  return LoadPolicySources(sources, options, diags);
}

}  // namespace onus::lang
