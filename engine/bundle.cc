#include "engine/bundle.h"

#include <openssl/sha.h>

#include <fstream>
#include <sstream>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "engine/program_serde.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/descriptor.pb.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "lang/status_macros.h"

namespace onus::engine {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::DescriptorPool;
using google::protobuf::DescriptorProto;
using google::protobuf::FieldDescriptor;
using google::protobuf::FieldDescriptorProto;
using google::protobuf::FileDescriptor;

// Status with `prefix: ` in front of the message, same code.
absl::Status Annotate(const absl::Status& s, absl::string_view prefix) {
  return absl::Status(s.code(), absl::StrCat(prefix, ": ", s.message()));
}

std::string Deterministic(const google::protobuf::MessageLite& m) {
  const size_t size = m.ByteSizeLong();  // also caches the sizes
  std::string out(size, '\0');
  {
    google::protobuf::io::ArrayOutputStream raw(out.data(),
                                                static_cast<int>(size));
    google::protobuf::io::CodedOutputStream coded(&raw);
    coded.SetSerializationDeterministic(true);
    m.SerializeWithCachedSizes(&coded);
  }
  return out;
}

std::string Sha256(const std::string& bytes) {
  unsigned char md[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(),
         md);
  return std::string(reinterpret_cast<const char*>(md), sizeof(md));
}

// BundleDigest without copying the bundle: the digest is moved out for the
// hash and put back.
std::string DigestInPlace(onus::v1::Bundle& bundle) {
  std::string saved;
  saved.swap(*bundle.mutable_digest());
  bundle.clear_digest();
  std::string digest = Sha256(Deterministic(bundle));
  bundle.mutable_digest()->swap(saved);
  return digest;
}

absl::Status CheckVersion(const onus::v1::Bundle& bundle) {
  if (bundle.format_version() != kBundleFormatVersion) {
    return absl::FailedPreconditionError(absl::StrCat(
        "bundle format version ", bundle.format_version(),
        " is not supported (this build reads version ", kBundleFormatVersion,
        "); recompile the policies with `onus compile`"));
  }
  return absl::OkStatus();
}

absl::Status DigestMismatch() {
  return absl::DataLossError("bundle digest mismatch: corrupted or tampered");
}

// Collects the files declaring the pack's types and their imports, each
// file after the files it imports (the order DescriptorPool::BuildFile
// needs). Iterative: import chains are finite but not ours to bound.
class SchemaCollector {
 public:
  void AddType(const Descriptor* d) {
    if (d != nullptr) AddFile(d->file());
  }

  void AddProgram(const Program& p) {
    for (const FieldRef& f : p.fields) {
      if (f.owner != nullptr) AddType(f.owner->descriptor());
    }
    for (const MessageLiteral& m : p.messages) {
      if (m.type != nullptr) AddType(m.type->descriptor());
    }
  }

  void WriteTo(google::protobuf::FileDescriptorSet* set) const {
    for (const FileDescriptor* f : order_) f->CopyTo(set->add_file());
  }

 private:
  void AddFile(const FileDescriptor* root) {
    if (done_.contains(root)) return;
    // (file, next dependency to visit)
    std::vector<std::pair<const FileDescriptor*, int>> stack = {{root, 0}};
    absl::flat_hash_set<const FileDescriptor*> on_stack = {root};
    while (!stack.empty()) {
      auto& [f, next] = stack.back();
      if (next < f->dependency_count()) {
        const FileDescriptor* dep = f->dependency(next++);
        if (!done_.contains(dep) && on_stack.insert(dep).second) {
          stack.push_back({dep, 0});
        }
        continue;
      }
      done_.insert(f);
      order_.push_back(f);
      on_stack.erase(f);
      stack.pop_back();
    }
  }

  absl::flat_hash_set<const FileDescriptor*> done_;
  std::vector<const FileDescriptor*> order_;
};

absl::Status ProgramOut(const Program& p, absl::string_view what,
                        const CompiledPolicy& policy, onus::v1::Program* out) {
  absl::Status s = ProgramToProto(p, out);
  if (!s.ok()) {
    return Annotate(s, absl::StrCat("policy ", policy.meta.id(), ", ", what));
  }
  return absl::OkStatus();
}

// Pools built from bundle schemas whose types the running binary lacks.
// MessageType::For caches descriptors for the life of the process, so such
// a pool must never be freed; keyed by digest so reloading the same bundle
// (service hot reload) builds it once.
class EmbeddedPools {
 public:
  static EmbeddedPools& Get() {
    static EmbeddedPools* pools = new EmbeddedPools();
    return *pools;
  }
  const DescriptorPool* Adopt(const std::string& digest,
                              std::unique_ptr<DescriptorPool> pool) {
    absl::MutexLock lock(&mu_);
    auto [it, inserted] = pools_.try_emplace(digest, std::move(pool));
    return it->second.get();
  }

 private:
  absl::Mutex mu_;
  absl::flat_hash_map<std::string, std::unique_ptr<DescriptorPool>> pools_
      ABSL_GUARDED_BY(mu_);
};

// The field `number` of `type` in `pool`: a declared field or an extension.
const FieldDescriptor* FindField(const DescriptorPool& pool,
                                 const Descriptor* type, uint32_t number) {
  if (const FieldDescriptor* f = type->FindFieldByNumber(number)) return f;
  return pool.FindExtensionByNumber(type, number);
}

// The bundle's schemas indexed as declared (FileDescriptorProto), so field
// reads can be checked against them without building a second descriptor
// pool when the running one already has the types (the common case, and
// most of the cost of a load otherwise).
class SchemaIndex {
 public:
  explicit SchemaIndex(const google::protobuf::FileDescriptorSet& set) {
    for (const auto& file : set.file()) {
      const std::string scope =
          file.package().empty() ? "" : absl::StrCat(".", file.package());
      for (const auto& ext : file.extension()) AddExtension(ext);
      std::vector<std::pair<std::string, const DescriptorProto*>> todo;
      for (const auto& m : file.message_type()) todo.push_back({scope, &m});
      // Iterative: nesting depth comes from the bundle.
      while (!todo.empty()) {
        auto [outer, m] = todo.back();
        todo.pop_back();
        std::string name = absl::StrCat(outer, ".", m->name());
        for (const auto& ext : m->extension()) AddExtension(ext);
        for (const auto& n : m->nested_type()) todo.push_back({name, &n});
        auto& fields = messages_[name];
        for (const auto& f : m->field()) fields[f.number()] = &f;
      }
    }
  }

  // Declared field `number` of message `full_name` (no leading dot).
  const FieldDescriptorProto* Find(absl::string_view full_name,
                                   uint32_t number) const {
    const std::string key = absl::StrCat(".", full_name);
    auto m = messages_.find(key);
    if (m != messages_.end()) {
      auto f = m->second.find(static_cast<int>(number));
      if (f != m->second.end()) return f->second;
    }
    auto e = extensions_.find(std::make_pair(key, static_cast<int>(number)));
    return e != extensions_.end() ? e->second : nullptr;
  }

 private:
  void AddExtension(const FieldDescriptorProto& ext) {
    extensions_[{ext.extendee(), ext.number()}] = &ext;
  }

  // Keys are ".pkg.Message", as type names appear in descriptor protos.
  absl::flat_hash_map<std::string,
                      absl::flat_hash_map<int, const FieldDescriptorProto*>>
      messages_;
  absl::flat_hash_map<std::pair<std::string, int>, const FieldDescriptorProto*>
      extensions_;
};

// Every field a program reads must be in the bundle's schemas (so the
// bundle is self-describing) and have the same name and type in the pool
// the programs run against (so the reads mean what they meant when the
// bundle was compiled).
absl::Status CheckFields(const onus::v1::Program& p, const SchemaIndex& schema,
                         const DescriptorPool& running) {
  for (const onus::v1::FieldRef& f : p.fields()) {
    const FieldDescriptorProto* ef =
        schema.Find(f.message_type(), f.field_number());
    if (ef == nullptr) {
      return absl::FailedPreconditionError(absl::StrCat(
          "reads field ", f.field_name(), " (#", f.field_number(), ") of ",
          f.message_type(), ", which the bundle's schema does not declare"));
    }
    const Descriptor* rt = running.FindMessageTypeByName(f.message_type());
    const FieldDescriptor* rf =
        rt != nullptr ? FindField(running, rt, f.field_number()) : nullptr;
    if (rf == nullptr || rf->name() != ef->name() ||
        static_cast<int>(rf->type()) != static_cast<int>(ef->type()) ||
        rf->is_repeated() !=
            (ef->label() == FieldDescriptorProto::LABEL_REPEATED) ||
        (rf->message_type() != nullptr &&
         absl::StrCat(".", rf->message_type()->full_name()) !=
             ef->type_name())) {
      return absl::FailedPreconditionError(absl::StrCat(
          "field ", f.message_type(), ".", ef->name(), " (#", f.field_number(),
          ") differs between the bundle's schema and this "
          "build's"));
    }
  }
  return absl::OkStatus();
}

// Every message type the bundle's programs and policies name is present in
// the running (generated) pool: then the engine uses it, so bundle policies
// read the same message types the inventory decoder produces.
bool RunningPoolHasTypes(const onus::v1::Bundle& b,
                         const DescriptorPool& running) {
  for (const auto& file : b.schemas().file()) {
    if (running.FindFileByName(file.name()) == nullptr) return false;
  }
  for (const onus::v1::CompiledPolicy& cp : b.policies()) {
    const std::string& type = cp.metadata().resource_type();
    if (!cp.account_level() && running.FindMessageTypeByName(type) == nullptr) {
      return false;
    }
  }
  return true;
}

class PolicyLoader {
 public:
  PolicyLoader(const SchemaIndex& schema, const DescriptorPool* pool)
      : schema_(schema), pool_(pool) {}

  absl::StatusOr<Program> LoadProgram(
      const onus::v1::Program& p, absl::string_view what, const std::string& id,
      std::shared_ptr<const lang::Source> source) {
    const std::string where = absl::StrCat("policy ", id, ", ", what);
    absl::Status s = CheckFields(p, schema_, *pool_);
    if (!s.ok()) return Annotate(s, where);
    absl::StatusOr<Program> out = ProgramFromProto(p, pool_, std::move(source));
    if (!out.ok()) return Annotate(out.status(), where);
    return out;
  }

  absl::StatusOr<CompiledPolicy> Load(
      const onus::v1::CompiledPolicy& cp,
      const std::vector<std::shared_ptr<const lang::Source>>& sources) {
    CompiledPolicy out;
    out.meta = cp.metadata();
    const std::string& id = out.meta.id();
    if (id.empty()) {
      return absl::InvalidArgumentError("bundle policy without an id");
    }
    if (cp.source_index() > sources.size()) {
      return absl::InvalidArgumentError(
          absl::StrCat("policy ", id, ": source index ", cp.source_index(),
                       " out of range (", sources.size(), " sources)"));
    }
    if (cp.source_index() > 0) out.source = sources[cp.source_index() - 1];
    out.account_level = cp.account_level();
    out.resource_type = out.meta.resource_type();
    if (const Descriptor* d = pool_->FindMessageTypeByName(out.resource_type)) {
      out.type = MessageType::For(d);
    } else if (!out.account_level) {
      return absl::FailedPreconditionError(
          absl::StrCat("policy ", id, ": resource type ", out.resource_type,
                       " is not in the bundle's schema"));
    }
    if (cp.has_when()) {
      ONUS_ASSIGN_OR_RETURN(Program w,
                            LoadProgram(cp.when(), "when", id, out.source));
      out.when = std::move(w);
    }
    if (!cp.has_require()) {
      return absl::InvalidArgumentError(
          absl::StrCat("policy ", id, ": no require program"));
    }
    ONUS_ASSIGN_OR_RETURN(out.require,
                          LoadProgram(cp.require(), "require", id, out.source));
    if (cp.message_exprs_size() > 0 &&
        cp.message_parts_size() != cp.message_exprs_size() + 1) {
      return absl::InvalidArgumentError(
          absl::StrCat("policy ", id, ": message has ", cp.message_parts_size(),
                       " text parts for ", cp.message_exprs_size(),
                       " expressions (expected one more)"));
    }
    out.message_parts.assign(cp.message_parts().begin(),
                             cp.message_parts().end());
    for (int i = 0; i < cp.message_exprs_size(); ++i) {
      ONUS_ASSIGN_OR_RETURN(
          Program m, LoadProgram(cp.message_exprs(i),
                                 absl::StrCat("message expression ", i + 1), id,
                                 out.source));
      out.message_exprs.push_back(std::move(m));
    }
    for (int i = 0; i < cp.probes_size(); ++i) {
      const onus::v1::EvidenceProbe& pp = cp.probes(i);
      Probe probe;
      probe.text = pp.text();
      probe.span = lang::Span{pp.begin(), pp.end()};
      const std::string what =
          absl::StrCat("probe ", i + 1, " (", pp.text(), ")");
      ONUS_ASSIGN_OR_RETURN(probe.program,
                            LoadProgram(pp.program(), what, id, out.source));
      for (const auto& op : pp.operands()) {
        ONUS_ASSIGN_OR_RETURN(
            Program prog,
            LoadProgram(op.program(),
                        absl::StrCat(what, " operand ", op.text()), id,
                        out.source));
        probe.operands.emplace_back(op.text(), std::move(prog));
      }
      out.probes.push_back(std::move(probe));
    }
    return out;
  }

 private:
  const SchemaIndex& schema_;
  const DescriptorPool* pool_;  // resolves the programs
};

}  // namespace

std::string BundleDigest(const onus::v1::Bundle& bundle) {
  onus::v1::Bundle copy = bundle;
  return DigestInPlace(copy);
}

absl::StatusOr<onus::v1::Bundle> SaveBundle(const PolicyPack& pack,
                                            const SaveBundleOptions& options) {
  onus::v1::Bundle b;
  b.set_format_version(kBundleFormatVersion);
  b.set_compiler_version(options.compiler_version);
  SchemaCollector schemas;
  // Source -> 1-based index in b.sources.
  absl::flat_hash_map<const lang::Source*, uint32_t> source_index;
  for (const CompiledPolicy& p : pack.policies()) {
    onus::v1::CompiledPolicy* cp = b.add_policies();
    *cp->mutable_metadata() = p.meta;
    cp->mutable_metadata()->set_resource_type(p.resource_type);
    cp->set_account_level(p.account_level);
    if (p.type != nullptr) schemas.AddType(p.type->descriptor());
    if (options.include_sources && p.source != nullptr) {
      auto [it, inserted] = source_index.try_emplace(
          p.source.get(), static_cast<uint32_t>(b.sources_size() + 1));
      if (inserted) {
        onus::v1::SourceFile* sf = b.add_sources();
        sf->set_name(p.source->name());
        sf->set_text(p.source->text());
      }
      cp->set_source_index(it->second);
    }
    if (p.when.has_value()) {
      ONUS_RETURN_IF_ERROR(ProgramOut(*p.when, "when", p, cp->mutable_when()));
      schemas.AddProgram(*p.when);
    }
    ONUS_RETURN_IF_ERROR(
        ProgramOut(p.require, "require", p, cp->mutable_require()));
    schemas.AddProgram(p.require);
    for (const std::string& part : p.message_parts) cp->add_message_parts(part);
    for (const Program& m : p.message_exprs) {
      ONUS_RETURN_IF_ERROR(
          ProgramOut(m, "message", p, cp->add_message_exprs()));
      schemas.AddProgram(m);
    }
    for (const Probe& probe : p.probes) {
      onus::v1::EvidenceProbe* pp = cp->add_probes();
      pp->set_text(probe.text);
      pp->set_begin(probe.span.begin);
      pp->set_end(probe.span.end);
      ONUS_RETURN_IF_ERROR(
          ProgramOut(probe.program, "probe", p, pp->mutable_program()));
      schemas.AddProgram(probe.program);
      for (const auto& [text, prog] : probe.operands) {
        auto* op = pp->add_operands();
        op->set_text(text);
        ONUS_RETURN_IF_ERROR(
            ProgramOut(prog, "probe operand", p, op->mutable_program()));
        schemas.AddProgram(prog);
      }
    }
  }
  schemas.WriteTo(b.mutable_schemas());
  b.set_digest(BundleDigest(b));
  return b;
}

namespace {
absl::StatusOr<std::unique_ptr<PolicyPack>> LoadChecked(
    const onus::v1::Bundle& bundle);
}  // namespace

absl::StatusOr<std::unique_ptr<PolicyPack>> LoadBundle(
    const onus::v1::Bundle& bundle) {
  ONUS_RETURN_IF_ERROR(CheckVersion(bundle));
  if (bundle.digest() != BundleDigest(bundle)) return DigestMismatch();
  return LoadChecked(bundle);
}

namespace {

// The bundle's version and digest are already checked.
absl::StatusOr<std::unique_ptr<PolicyPack>> LoadChecked(
    const onus::v1::Bundle& bundle) {
  const SchemaIndex schema(bundle.schemas());
  std::vector<std::shared_ptr<const lang::Source>> sources;
  for (const auto& sf : bundle.sources()) {
    sources.push_back(std::make_shared<lang::Source>(sf.name(), sf.text()));
  }

  // Programs resolve against the running (generated) pool when it has the
  // schema files, so bundle policies read the same message types the
  // inventory decoder produces. Otherwise a pool is built from the embedded
  // schemas; MessageType caches its descriptors for the life of the
  // process, so that pool is pinned before any MessageType is made from it
  // (a bundle loaded again reuses the pool pinned the first time).
  const DescriptorPool* pool = DescriptorPool::generated_pool();
  if (!RunningPoolHasTypes(bundle, *pool)) {
    auto embedded = std::make_unique<DescriptorPool>();
    for (const auto& file : bundle.schemas().file()) {
      if (embedded->BuildFile(file) == nullptr) {
        return absl::InvalidArgumentError(
            absl::StrCat("bundle schema ", file.name(), " does not build"));
      }
    }
    pool = EmbeddedPools::Get().Adopt(bundle.digest(), std::move(embedded));
  }
  PolicyLoader loader(schema, pool);

  std::vector<CompiledPolicy> policies;
  policies.reserve(bundle.policies_size());
  for (const onus::v1::CompiledPolicy& cp : bundle.policies()) {
    ONUS_ASSIGN_OR_RETURN(CompiledPolicy p, loader.Load(cp, sources));
    policies.push_back(std::move(p));
  }
  std::unique_ptr<PolicyPack> pack =
      PolicyPack::FromCompiled(std::move(policies));
  pack->set_bundle_digest(bundle.digest());
  return pack;
}

}  // namespace

absl::StatusOr<std::string> SerializeBundle(const onus::v1::Bundle& bundle) {
  return Deterministic(bundle);
}

absl::StatusOr<std::unique_ptr<PolicyPack>> LoadBundleBytes(
    absl::string_view bytes, absl::string_view name) {
  onus::v1::Bundle bundle;
  if (bytes.empty() || !bundle.ParseFromArray(bytes.data(), bytes.size())) {
    return absl::InvalidArgumentError(absl::StrCat(
        name, ": not a compiled bundle (truncated or corrupted bytes)"));
  }
  // As LoadBundle, but the parsed bundle is ours: no copy for the digest.
  absl::Status s = CheckVersion(bundle);
  if (s.ok() && bundle.digest() != DigestInPlace(bundle)) s = DigestMismatch();
  if (!s.ok()) return Annotate(s, name);
  absl::StatusOr<std::unique_ptr<PolicyPack>> pack = LoadChecked(bundle);
  if (!pack.ok()) return Annotate(pack.status(), name);
  return pack;
}

absl::StatusOr<std::unique_ptr<PolicyPack>> LoadBundleFile(
    const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return absl::NotFoundError(absl::StrCat(path, ": cannot read"));
  std::stringstream ss;
  ss << f.rdbuf();
  return LoadBundleBytes(ss.str(), path);
}

}  // namespace onus::engine
