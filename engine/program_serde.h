// Program <-> onus.v1.Program (proto/onus/v1/policy.proto), for compiled
// bundles. The layout is documented in docs/bytecode.md ("Serialised form").
//
// Loading verifies the program before anyone runs it: version, opcodes,
// every register, constant, field, call and message index in range, jump
// targets inside the code, a final RETURN, and builtins and fields that
// still exist in this build and descriptor pool. A program that fails any
// check is rejected with InvalidArgument / FailedPrecondition, never run.
#ifndef ONUS_ENGINE_PROGRAM_SERDE_H_
#define ONUS_ENGINE_PROGRAM_SERDE_H_

#include <memory>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "engine/bytecode.h"
#include "google/protobuf/descriptor.h"
#include "lang/source.h"
#include "onus/v1/policy.pb.h"

namespace onus::engine {

absl::Status ProgramToProto(const Program& program, onus::v1::Program* out);

// `pool` resolves message types of fields, literals and type constants.
// `source` (optional) is the text the spans point into, for EXPLAIN.
absl::StatusOr<Program> ProgramFromProto(
    const onus::v1::Program& proto,
    const google::protobuf::DescriptorPool* pool,
    std::shared_ptr<const lang::Source> source = nullptr);

// Structural checks shared by the loader and tests (see above).
absl::Status VerifyProgram(const Program& program);

}  // namespace onus::engine

#endif  // ONUS_ENGINE_PROGRAM_SERDE_H_
