#include "engine/program_serde.h"

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "engine/builtins.h"
#include "engine/message_type.h"
#include "lang/status_macros.h"

namespace onus::engine {

namespace {

// Nested constant lists/maps deeper than this are rejected (both ways).
constexpr int kMaxConstantDepth = 64;

// Program::names carries the tables onus.v1.Program has no field for, one
// entry each, tagged by a prefix:
//   "bytecode_version:<n>"                 first entry
//   "var:<name>"                           Program::var_names, in order
//   "call:<receiver 0|1>:<argc>:<name>"    Program::calls, in order
//   "msg:<type>:<n1>,<n2>,..."             Program::messages (field numbers)
constexpr absl::string_view kVersionTag = "bytecode_version:";
constexpr absl::string_view kVarTag = "var:";
constexpr absl::string_view kCallTag = "call:";
constexpr absl::string_view kMsgTag = "msg:";

absl::Status ConstantToProto(const Value& v, int depth,
                             onus::v1::Constant* out) {
  if (depth > kMaxConstantDepth) {
    return absl::InvalidArgumentError("constant nested too deeply");
  }
  switch (v.kind) {
    case Kind::kNull:
      out->set_null_value(google::protobuf::NULL_VALUE);
      return absl::OkStatus();
    case Kind::kBool:
      out->set_bool_value(v.b);
      return absl::OkStatus();
    case Kind::kInt:
      out->set_int64_value(v.i);
      return absl::OkStatus();
    case Kind::kUint:
      out->set_uint64_value(v.u);
      return absl::OkStatus();
    case Kind::kDouble:
      out->set_double_value(v.d);
      return absl::OkStatus();
    case Kind::kString:
      out->set_string_value(std::string(v.string_view()));
      return absl::OkStatus();
    case Kind::kBytes:
      out->set_bytes_value(std::string(v.string_view()));
      return absl::OkStatus();
    case Kind::kTimestamp:
      out->mutable_timestamp_value()->set_seconds(v.i);
      out->mutable_timestamp_value()->set_nanos(v.nanos());
      return absl::OkStatus();
    case Kind::kDuration:
      out->mutable_duration_value()->set_seconds(v.i);
      out->mutable_duration_value()->set_nanos(v.nanos());
      return absl::OkStatus();
    case Kind::kType:
      if (v.type == nullptr || v.type->name == nullptr) {
        return absl::InvalidArgumentError("type constant without a name");
      }
      out->set_type_value(v.type->name);
      return absl::OkStatus();
    case Kind::kList: {
      if (v.list->rep != ListRep::kArray) {
        return absl::InvalidArgumentError("list constant is not materialised");
      }
      auto* l = out->mutable_list_value();
      for (uint32_t i = 0; i < v.list->size; ++i) {
        ONUS_RETURN_IF_ERROR(
            ConstantToProto(v.list->items[i], depth + 1, l->add_values()));
      }
      return absl::OkStatus();
    }
    case Kind::kMap: {
      if (v.map->rep != MapRep::kArray) {
        return absl::InvalidArgumentError("map constant is not materialised");
      }
      auto* m = out->mutable_map_value();
      for (uint32_t i = 0; i < v.map->size; ++i) {
        auto* e = m->add_entries();
        ONUS_RETURN_IF_ERROR(
            ConstantToProto(v.map->keys[i], depth + 1, e->mutable_key()));
        ONUS_RETURN_IF_ERROR(
            ConstantToProto(v.map->values[i], depth + 1, e->mutable_value()));
      }
      return absl::OkStatus();
    }
    default:
      return absl::UnimplementedError(absl::StrCat(
          "constants of kind ", KindName(v.kind), " are not serialisable"));
  }
}

absl::StatusOr<Value> TypeFromName(
    absl::string_view name, const google::protobuf::DescriptorPool* pool) {
  static const struct {
    const char* name;
    Kind kind;
  } kBuiltin[] = {{"bool", Kind::kBool},
                  {"int", Kind::kInt},
                  {"uint", Kind::kUint},
                  {"double", Kind::kDouble},
                  {"string", Kind::kString},
                  {"bytes", Kind::kBytes},
                  {"list", Kind::kList},
                  {"map", Kind::kMap},
                  {"google.protobuf.Timestamp", Kind::kTimestamp},
                  {"google.protobuf.Duration", Kind::kDuration}};
  for (const auto& b : kBuiltin) {
    if (name == b.name) return Value::Type(BuiltinType(b.kind));
  }
  if (name == "null_type") return Value::Type(NullType());
  if (name == "type") return Value::Type(TypeOfType());
  if (pool != nullptr) {
    if (const auto* d = pool->FindMessageTypeByName(std::string(name))) {
      return Value::Type(MessageType::For(d)->type_value());
    }
  }
  return absl::FailedPreconditionError(
      absl::StrCat("unknown type in constant: ", name));
}

absl::StatusOr<Value> ConstantFromProto(
    const onus::v1::Constant& c, int depth, Arena& arena,
    const google::protobuf::DescriptorPool* pool) {
  if (depth > kMaxConstantDepth) {
    return absl::InvalidArgumentError("constant nested too deeply");
  }
  switch (c.kind_case()) {
    case onus::v1::Constant::kNullValue:
      return Value::Null();
    case onus::v1::Constant::kBoolValue:
      return Value::Bool(c.bool_value());
    case onus::v1::Constant::kInt64Value:
      return Value::Int(c.int64_value());
    case onus::v1::Constant::kUint64Value:
      return Value::Uint(c.uint64_value());
    case onus::v1::Constant::kDoubleValue:
      return Value::Double(c.double_value());
    case onus::v1::Constant::kStringValue:
      return Value::String(arena.CopyString(c.string_value()));
    case onus::v1::Constant::kBytesValue:
      return Value::Bytes(arena.CopyString(c.bytes_value()));
    case onus::v1::Constant::kTimestampValue:
      return Value::Timestamp(c.timestamp_value().seconds(),
                              c.timestamp_value().nanos());
    case onus::v1::Constant::kDurationValue:
      return Value::Duration(c.duration_value().seconds(),
                             c.duration_value().nanos());
    case onus::v1::Constant::kTypeValue:
      return TypeFromName(c.type_value(), pool);
    case onus::v1::Constant::kListValue: {
      const auto& l = c.list_value();
      std::vector<Value> items;
      bool strings = true;
      for (const auto& e : l.values()) {
        ONUS_ASSIGN_OR_RETURN(Value v,
                              ConstantFromProto(e, depth + 1, arena, pool));
        strings &= v.kind == Kind::kString;
        items.push_back(v);
      }
      Value out =
          MakeList(arena, items.data(), static_cast<uint32_t>(items.size()));
      if (strings) out.flags = kFlagAllStrings;
      return out;
    }
    case onus::v1::Constant::kMapValue: {
      std::vector<Value> keys, values;
      for (const auto& e : c.map_value().entries()) {
        ONUS_ASSIGN_OR_RETURN(
            Value k, ConstantFromProto(e.key(), depth + 1, arena, pool));
        ONUS_ASSIGN_OR_RETURN(
            Value v, ConstantFromProto(e.value(), depth + 1, arena, pool));
        if (k.kind != Kind::kBool && k.kind != Kind::kInt &&
            k.kind != Kind::kUint && k.kind != Kind::kString) {
          return absl::InvalidArgumentError("map constant with a bad key");
        }
        keys.push_back(k);
        values.push_back(v);
      }
      return MakeMap(arena, keys.data(), values.data(),
                     static_cast<uint32_t>(keys.size()));
    }
    case onus::v1::Constant::KIND_NOT_SET:
      break;
  }
  return absl::InvalidArgumentError("constant without a value");
}

void PutU16(std::string* out, uint16_t v) {
  out->push_back(static_cast<char>(v & 0xFF));
  out->push_back(static_cast<char>(v >> 8));
}

uint16_t GetU16(const unsigned char* p) {
  return static_cast<uint16_t>(p[0] | (p[1] << 8));
}

const FieldInfo* ResolveField(const google::protobuf::DescriptorPool* pool,
                              absl::string_view type, uint32_t number,
                              const MessageType** owner) {
  if (pool == nullptr) return nullptr;
  const auto* d = pool->FindMessageTypeByName(std::string(type));
  if (d == nullptr) return nullptr;
  *owner = MessageType::For(d);
  return (*owner)->FieldByNumber(static_cast<int>(number));
}

}  // namespace

absl::Status ProgramToProto(const Program& p, onus::v1::Program* out) {
  out->Clear();
  std::string code;
  code.reserve(p.code.size() * sizeof(Instr));
  for (const Instr& in : p.code) {
    code.push_back(static_cast<char>(in.op));
    code.push_back(static_cast<char>(in.x));
    PutU16(&code, in.a);
    PutU16(&code, in.b);
    PutU16(&code, in.c);
  }
  out->set_code(std::move(code));
  for (const Value& v : p.constants) {
    ONUS_RETURN_IF_ERROR(ConstantToProto(v, 0, out->add_constants()));
  }
  for (const FieldRef& f : p.fields) {
    auto* fr = out->add_fields();
    fr->set_message_type(f.owner->descriptor()->full_name());
    fr->set_field_number(f.field->number);
    fr->set_field_name(f.name);
  }
  out->add_names(absl::StrCat(kVersionTag, p.version));
  for (const std::string& v : p.var_names) {
    out->add_names(absl::StrCat(kVarTag, v));
  }
  for (const CallRef& c : p.calls) {
    out->add_names(
        absl::StrCat(kCallTag, c.receiver ? 1 : 0, ":", c.argc, ":", c.name));
  }
  for (const MessageLiteral& m : p.messages) {
    std::vector<std::string> numbers;
    for (size_t i = 0; i < m.fields.size(); ++i) {
      const bool opt = i < m.optional.size() && m.optional[i];
      numbers.push_back(absl::StrCat(opt ? "?" : "", m.fields[i]->number));
    }
    out->add_names(absl::StrCat(kMsgTag, m.type->descriptor()->full_name(), ":",
                                absl::StrJoin(numbers, ",")));
  }
  for (size_t pc = 0; pc < p.spans.size(); ++pc) {
    auto* s = out->add_spans();
    s->set_pc(static_cast<uint32_t>(pc));
    s->set_begin(p.spans[pc].begin);
    s->set_end(p.spans[pc].end);
    if (p.source != nullptr) {
      lang::Location loc = p.source->LocationOf(p.spans[pc].begin);
      s->set_line(loc.line);
      s->set_column(loc.column);
    }
  }
  out->set_num_locals(p.num_registers);
  out->set_max_stack(0);  // register machine: no operand stack
  return absl::OkStatus();
}

absl::StatusOr<Program> ProgramFromProto(
    const onus::v1::Program& proto,
    const google::protobuf::DescriptorPool* pool,
    std::shared_ptr<const lang::Source> source) {
  Program p;
  p.source = std::move(source);
  if (proto.names_size() == 0 ||
      !absl::StartsWith(proto.names(0), kVersionTag)) {
    return absl::InvalidArgumentError("program has no bytecode version");
  }
  uint32_t version = 0;
  if (!absl::SimpleAtoi(proto.names(0).substr(kVersionTag.size()), &version) ||
      version != kBytecodeVersion) {
    return absl::FailedPreconditionError(absl::StrCat(
        "bytecode version ", proto.names(0).substr(kVersionTag.size()),
        " is not supported (this build reads version ", kBytecodeVersion, ")"));
  }
  const std::string& code = proto.code();
  if (code.size() % sizeof(Instr) != 0) {
    return absl::InvalidArgumentError("code size is not a multiple of 8");
  }
  const auto* bytes = reinterpret_cast<const unsigned char*>(code.data());
  for (size_t i = 0; i < code.size(); i += sizeof(Instr)) {
    if (bytes[i] >= kNumOps) {
      return absl::InvalidArgumentError(
          absl::StrCat("unknown opcode ", bytes[i], " at ", i / 8));
    }
    Instr in;
    in.op = static_cast<Op>(bytes[i]);
    in.x = bytes[i + 1];
    in.a = GetU16(bytes + i + 2);
    in.b = GetU16(bytes + i + 4);
    in.c = GetU16(bytes + i + 6);
    p.code.push_back(in);
  }
  for (const auto& c : proto.constants()) {
    ONUS_ASSIGN_OR_RETURN(Value v, ConstantFromProto(c, 0, *p.arena, pool));
    p.constants.push_back(v);
  }
  for (const auto& f : proto.fields()) {
    FieldRef ref;
    ref.field =
        ResolveField(pool, f.message_type(), f.field_number(), &ref.owner);
    if (ref.field == nullptr) {
      return absl::FailedPreconditionError(
          absl::StrCat("field ", f.message_type(), "#", f.field_number(), " (",
                       f.field_name(), ") is not in the descriptor pool"));
    }
    ref.name = f.field_name();
    p.fields.push_back(std::move(ref));
  }
  for (int i = 1; i < proto.names_size(); ++i) {
    absl::string_view n = proto.names(i);
    if (absl::ConsumePrefix(&n, kVarTag)) {
      p.var_names.emplace_back(n);
    } else if (absl::ConsumePrefix(&n, kCallTag)) {
      std::vector<absl::string_view> parts =
          absl::StrSplit(n, absl::MaxSplits(':', 2));
      CallRef c;
      if (parts.size() != 3 || !absl::SimpleAtoi(parts[1], &c.argc)) {
        return absl::InvalidArgumentError(
            absl::StrCat("malformed call entry: ", proto.names(i)));
      }
      c.receiver = parts[0] == "1";
      c.name = std::string(parts[2]);
      c.fn = FindBuiltin(c.name, c.receiver, c.argc);
      p.calls.push_back(std::move(c));
    } else if (absl::ConsumePrefix(&n, kMsgTag)) {
      size_t colon = n.rfind(':');
      if (colon == absl::string_view::npos) {
        return absl::InvalidArgumentError(
            absl::StrCat("malformed message entry: ", proto.names(i)));
      }
      const auto* d =
          pool != nullptr
              ? pool->FindMessageTypeByName(std::string(n.substr(0, colon)))
              : nullptr;
      if (d == nullptr) {
        return absl::FailedPreconditionError(absl::StrCat(
            "message type ", n.substr(0, colon), " is not in the pool"));
      }
      MessageLiteral m;
      m.type = MessageType::For(d);
      for (absl::string_view num :
           absl::StrSplit(n.substr(colon + 1), ',', absl::SkipEmpty())) {
        int number = 0;
        const bool opt = absl::ConsumePrefix(&num, "?");
        if (opt) {
          m.optional.resize(m.fields.size() + 1, false);
          m.optional.back() = true;
        }
        const FieldInfo* f = absl::SimpleAtoi(num, &number)
                                 ? m.type->FieldByNumber(number)
                                 : nullptr;
        if (f == nullptr) {
          return absl::FailedPreconditionError(absl::StrCat(
              "field ", num, " of ", d->full_name(), " is not in the pool"));
        }
        m.fields.push_back(f);
      }
      if (!m.optional.empty()) m.optional.resize(m.fields.size(), false);
      p.messages.push_back(std::move(m));
    } else {
      return absl::InvalidArgumentError(
          absl::StrCat("unknown program table entry: ", proto.names(i)));
    }
  }
  p.spans.resize(p.code.size());
  for (const auto& s : proto.spans()) {
    if (s.pc() >= p.code.size() || s.begin() > s.end()) {
      return absl::InvalidArgumentError("span outside the program");
    }
    p.spans[s.pc()] = lang::Span{s.begin(), s.end()};
  }
  p.num_registers = proto.num_locals();
  ONUS_RETURN_IF_ERROR(VerifyProgram(p));
  return p;
}

absl::Status VerifyProgram(const Program& p) {
  const uint32_t n = static_cast<uint32_t>(p.code.size());
  const uint32_t regs = p.num_registers;
  auto bad = [](uint32_t pc, absl::string_view what) {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid program at ", pc, ": ", what));
  };
  // Execution can never run off the end: the last instruction returns or
  // jumps (out-of-line blocks placed after the main line end in a jump).
  if (n == 0 ||
      (p.code.back().op != Op::kRETURN && p.code.back().op != Op::kJUMP &&
       p.code.back().op != Op::kRESUME)) {
    return absl::InvalidArgumentError(
        "program does not end in RETURN, JUMP or RESUME");
  }
  if (p.var_names.size() > regs) {
    return absl::InvalidArgumentError("more variables than registers");
  }
  for (uint32_t pc = 0; pc < n; ++pc) {
    const Instr& in = p.code[pc];
    auto reg = [&](uint32_t r) { return r < regs; };
    auto block = [&](uint32_t first, uint32_t count) {
      return first + count <= regs;
    };
    bool ok = true;
    switch (OpFormat(in.op)) {
      case OperandFormat::kN:
        break;
      case OperandFormat::kA:
        ok = reg(in.a);
        break;
      case OperandFormat::kAB:
        ok = reg(in.a) && reg(in.b);
        break;
      case OperandFormat::kABC:
        ok = reg(in.a) && reg(in.b) && reg(in.c);
        break;
      case OperandFormat::kAK:
        ok = reg(in.a) && in.b < p.constants.size();
        break;
      case OperandFormat::kABK:
        ok = reg(in.a) && reg(in.b) && in.c < p.constants.size();
        if (ok && (in.op == Op::kSELECT || in.op == Op::kHAS ||
                   in.op == Op::kOPT_SELECT)) {
          ok = p.constants[in.c].kind == Kind::kString;
        }
        if (ok && (in.op == Op::kMAKE_LIST_OPT || in.op == Op::kMAKE_MAP_OPT)) {
          // Layout [n, positions...]: ints, n registers (pairs for maps)
          // from rB, positions below n.
          const Value& l = p.constants[in.c];
          ok = l.kind == Kind::kList && l.list->rep == ListRep::kArray &&
               l.list->size >= 1;
          for (uint32_t i = 0; ok && i < l.list->size; ++i) {
            ok = l.list->items[i].kind == Kind::kInt &&
                 l.list->items[i].i >= 0 && l.list->items[i].i <= kMaxOperand;
          }
          if (ok) {
            const uint32_t count = static_cast<uint32_t>(l.list->items[0].i);
            ok = block(in.b, in.op == Op::kMAKE_MAP_OPT ? 2 * count : count);
            for (uint32_t i = 1; ok && i < l.list->size; ++i) {
              ok = static_cast<uint32_t>(l.list->items[i].i) < count;
            }
          }
        }
        break;
      case OperandFormat::kABF:
        ok = reg(in.a) && reg(in.b) &&
             in.c + (in.op == Op::kFIELD_FIELD ? 1u : 0u) < p.fields.size();
        break;
      case OperandFormat::kABN:
        ok =
            reg(in.a) && block(in.b, in.op == Op::kMAKE_MAP ? 2u * in.c : in.c);
        break;
      case OperandFormat::kABJ:
        // ITER_INIT / ITER_NEXT: rB and rB+1; ITER_NEXT writes x registers.
        ok = reg(in.a) && block(in.b, 2) && in.c < n && in.c > pc &&
             (in.op != Op::kITER_NEXT ||
              (in.x >= 1 && in.x <= 2 && block(in.a, in.x)));
        break;
      // Only LOOP jumps backward (it charges the budget); every other jump
      // goes forward, so a program cannot spin without paying.
      case OperandFormat::kAJ:
        ok = reg(in.a) && in.c < n && in.c > pc;
        break;
      case OperandFormat::kAJJ:
        ok = reg(in.a) && in.b < n && in.c < n && in.b > pc && in.c > pc;
        break;
      case OperandFormat::kJ:
        ok = in.c < n &&
             (in.op == Op::kLOOP || in.op == Op::kRESUME ? in.c <= pc
                                                         : in.c > pc);
        break;
      // Conditional branches: forward target, x a sense, and an ON_ERROR
      // right after (the branch's error exit).
      case OperandFormat::kJB:
      case OperandFormat::kJBK:
      case OperandFormat::kJBF:
        ok = in.a < n && in.a > pc + 1 && reg(in.b) && in.x <= 1 &&
             pc + 1 < n && p.code[pc + 1].op == Op::kON_ERROR;
        if (ok && OpFormat(in.op) == OperandFormat::kJBK) {
          ok = in.c < p.constants.size();
        }
        if (ok && OpFormat(in.op) == OperandFormat::kJBF) {
          ok = in.c < p.fields.size();
        }
        break;
      case OperandFormat::kABM:
        ok = reg(in.a) && in.c < p.messages.size() &&
             block(in.b, static_cast<uint32_t>(p.messages[in.c].fields.size()));
        break;
      case OperandFormat::kCALL:
        ok = reg(in.a) && block(in.b, in.x) && in.c < p.calls.size() &&
             p.calls[in.c].argc == in.x &&
             (in.op != Op::kCALL || p.calls[in.c].fn != nullptr);
        break;
    }
    if (!ok)
      return bad(pc, absl::StrCat(OpName(in.op), " operands out of range"));
    if (in.op == Op::kON_ERROR &&
        (pc == 0 || !IsCondBranch(OpFormat(p.code[pc - 1].op)))) {
      return bad(pc, "ON_ERROR must follow a conditional branch");
    }
  }
  // No jump may land on an ON_ERROR: it only runs as its branch's tail.
  auto lands_on_error_exit = [&](uint32_t target) {
    return target < n && p.code[target].op == Op::kON_ERROR;
  };
  for (uint32_t pc = 0; pc < n; ++pc) {
    const Instr& in = p.code[pc];
    bool bad_target = false;
    switch (OpFormat(in.op)) {
      case OperandFormat::kJ:
      case OperandFormat::kAJ:
      case OperandFormat::kABJ:
        bad_target = lands_on_error_exit(in.c);
        break;
      case OperandFormat::kAJJ:
        bad_target = lands_on_error_exit(in.b) || lands_on_error_exit(in.c);
        break;
      case OperandFormat::kJB:
      case OperandFormat::kJBK:
      case OperandFormat::kJBF:
        bad_target = lands_on_error_exit(in.a);
        break;
      default:
        break;
    }
    if (bad_target) return bad(pc, "jump into an ON_ERROR");
  }
  return absl::OkStatus();
}

}  // namespace onus::engine
