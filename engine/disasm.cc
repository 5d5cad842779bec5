#include "engine/disasm.h"

#include <cstring>
#include <string>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "engine/builtins.h"
#include "engine/message_type.h"

namespace onus::engine {

namespace {

// Aggregates are rendered up to this depth / element count; EXPLAIN is for
// people, and constants can be large.
constexpr int kMaxRenderDepth = 8;
constexpr uint32_t kMaxRenderItems = 16;

void Render(const Value& v, int depth, std::string* out) {
  if (depth > kMaxRenderDepth) {
    out->append("...");
    return;
  }
  switch (v.kind) {
    case Kind::kNull:
      out->append("null");
      return;
    case Kind::kBool:
      out->append(v.b ? "true" : "false");
      return;
    case Kind::kInt:
      absl::StrAppend(out, v.i);
      return;
    case Kind::kUint:
      absl::StrAppend(out, v.u, "u");
      return;
    case Kind::kDouble:
      absl::StrAppend(out, absl::StrFormat("%g", v.d));
      return;
    case Kind::kString:
      absl::StrAppend(out, "\"", absl::CHexEscape(v.string_view()), "\"");
      return;
    case Kind::kBytes:
      absl::StrAppend(out, "b\"", absl::CHexEscape(v.string_view()), "\"");
      return;
    case Kind::kTimestamp:
      absl::StrAppend(out, "timestamp(", v.i, "s+", v.nanos(), "ns)");
      return;
    case Kind::kDuration:
      absl::StrAppend(out, "duration(", v.i, "s+", v.nanos(), "ns)");
      return;
    case Kind::kList: {
      const ListObj& l = *v.list;
      out->append("[");
      for (uint32_t i = 0; i < l.size && l.rep == ListRep::kArray; ++i) {
        if (i) out->append(", ");
        if (i == kMaxRenderItems) {
          absl::StrAppend(out, "... ", l.size - i, " more");
          break;
        }
        Render(l.items[i], depth + 1, out);
      }
      out->append("]");
      return;
    }
    case Kind::kMap: {
      const MapObj& m = *v.map;
      out->append("{");
      for (uint32_t i = 0; i < m.size && m.rep == MapRep::kArray; ++i) {
        if (i) out->append(", ");
        if (i == kMaxRenderItems) {
          absl::StrAppend(out, "... ", m.size - i, " more");
          break;
        }
        Render(m.keys[i], depth + 1, out);
        out->append(": ");
        Render(m.values[i], depth + 1, out);
      }
      out->append("}");
      return;
    }
    case Kind::kType:
      absl::StrAppend(out, "type(",
                      v.type != nullptr && v.type->name ? v.type->name : "?",
                      ")");
      return;
    case Kind::kError:
      absl::StrAppend(out, "error(\"", absl::CHexEscape(v.err->text()), "\")");
      return;
    default:
      out->append(KindName(v.kind));
      return;
  }
}

std::string FieldName(const Program& p, int idx) {
  if (idx < 0 || idx >= static_cast<int>(p.fields.size())) return "?";
  const FieldRef& f = p.fields[idx];
  return absl::StrCat(f.name, "#", f.field ? f.field->number : 0);
}

std::string Operand(const Program& p, const Instr& in, absl::string_view tok) {
  auto reg = [](int r) { return absl::StrCat("r", r); };
  auto cst = [&](int k) {
    return k < static_cast<int>(p.constants.size())
               ? RenderConstant(p.constants[k])
               : std::string("?");
  };
  if (tok == "rA") return reg(in.a);
  if (tok == "rA+1") return reg(in.a + 1);
  if (tok == "rB") return reg(in.b);
  if (tok == "rB+1") return reg(in.b + 1);
  if (tok == "rC") return reg(in.c);
  if (tok == "kB") return cst(in.b);
  if (tok == "kC") {
    const Value& v = in.c < p.constants.size() ? p.constants[in.c] : Value();
    // Names (SELECT/HAS) print bare: r1.name, not r1."name".
    if ((in.op == Op::kSELECT || in.op == Op::kHAS ||
         in.op == Op::kOPT_SELECT) &&
        v.kind == Kind::kString) {
      return std::string(v.string_view());
    }
    return cst(in.c);
  }
  if (tok == "fC") return FieldName(p, in.c);
  if (tok == "fC+1") return FieldName(p, in.c + 1);
  if (tok == "jA") return absl::StrCat(in.a);
  if (tok == "sense") return std::string(in.x ? "true" : "false");
  if (tok == "jB") return absl::StrCat(in.b);
  if (tok == "jC") return absl::StrCat(in.c);
  if (tok == "x") return absl::StrCat(in.x);
  if (tok == "nC") return absl::StrCat(in.c);
  if (tok == "fnC") {
    return in.c < p.calls.size() ? p.calls[in.c].name : std::string("?");
  }
  if (tok == "mC") {
    if (in.c < p.messages.size() && p.messages[in.c].type != nullptr) {
      return p.messages[in.c].type->descriptor()->full_name();
    }
    return "?";
  }
  return absl::StrCat("{", tok, "}");
}

std::string Synopsis(const Program& p, const Instr& in) {
  const char* s = OpSynopsis(in.op);
  std::string out;
  while (*s) {
    if (*s == '{') {
      const char* close = std::strchr(s, '}');
      if (close != nullptr) {
        out += Operand(p, in, absl::string_view(s + 1, close - s - 1));
        s = close + 1;
        continue;
      }
    }
    out += *s++;
  }
  return out;
}

}  // namespace

std::string RenderConstant(const Value& v) {
  std::string out;
  Render(v, 0, &out);
  return out;
}

std::string Disassemble(const Program& p, const DisasmOptions& opts) {
  std::string out;
  std::string loc_name = p.source ? p.source->name() : "";
  if (opts.header) {
    absl::StrAppend(&out, absl::StrFormat("%-5s %-18s", "addr", "opcode"));
    if (opts.raw_operands) {
      absl::StrAppend(
          &out, absl::StrFormat(" %-5s %-5s %-5s %-2s", "a", "b", "c", "x"));
    }
    absl::StrAppend(&out, opts.locations
                              ? absl::StrFormat(" %-44s source", "synopsis")
                              : " synopsis");
    out += "\n";
    absl::StrAppend(&out, absl::StrFormat("%-5s %-18s", "----", "------"));
    if (opts.raw_operands) {
      absl::StrAppend(&out, absl::StrFormat(" %-5s %-5s %-5s %-2s", "---",
                                            "---", "---", "-"));
    }
    absl::StrAppend(&out, opts.locations
                              ? absl::StrFormat(" %-44s ------", "--------")
                              : " --------");
    out += "\n";
  }
  for (size_t pc = 0; pc < p.code.size(); ++pc) {
    const Instr& in = p.code[pc];
    std::string line = absl::StrFormat("%-5d %-18s", pc, OpName(in.op));
    if (opts.raw_operands) {
      absl::StrAppend(&line, absl::StrFormat(" %-5d %-5d %-5d %-2d", in.a, in.b,
                                             in.c, in.x));
    }
    std::string syn = Synopsis(p, in);
    if (opts.locations) {
      std::string loc = "-";
      if (p.source != nullptr && pc < p.spans.size()) {
        loc = p.source->Describe(p.spans[pc]);
      }
      absl::StrAppend(&line, absl::StrFormat(" %-44s %s", syn, loc));
    } else {
      absl::StrAppend(&line, " ", syn);
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line;
    out += "\n";
  }
  return out;
}

}  // namespace onus::engine
