"""Protobuf and gRPC C++ code generation with Debian's protoc, offline.

Every proto target in the project goes through onus_proto_library. Sources are
paths relative to the calling package (normally //proto), which is also the
import root, so `import "onus/v1/snapshot.proto";` works everywhere.
"""

def _strip(src):
    return src[:-len(".proto")]

def onus_proto_library(name, srcs, deps = [], grpc = False, visibility = None, alwayslink = True):
    """Declares <name> (cc_library), <name>_srcs (the .proto files, with deps)
    and <name>_descriptor_set (a FileDescriptorSet with all imports).

    Args:
      name: cc_library name.
      srcs: .proto files, relative to this package.
      deps: other onus_proto_library targets in the same package.
      grpc: also run grpc_cpp_plugin for the services in srcs.
      visibility: visibility of the generated targets.
      alwayslink: keep every generated object in statically linked binaries.
        On by default: a .pb.cc registers its descriptors with the generated
        pool at start-up, and code that finds types by name (Any, JSON and
        text-format parsing, the engine's schema lookup) references no symbol
        of it, so the linker would otherwise drop it.
    """
    pkg = native.package_name()
    root = pkg if pkg else "."
    hdrs = [_strip(s) + ".pb.h" for s in srcs]
    ccs = [_strip(s) + ".pb.cc" for s in srcs]
    if grpc:
        hdrs += [_strip(s) + ".grpc.pb.h" for s in srcs]
        ccs += [_strip(s) + ".grpc.pb.cc" for s in srcs]

    native.filegroup(
        name = name + "_srcs",
        srcs = srcs + [d + "_srcs" for d in deps],
        visibility = visibility,
    )

    files = " ".join([root + "/" + s for s in srcs])
    cmd = "protoc -I%s -I/usr/include --cpp_out=$(GENDIR)/%s" % (root, root)
    if grpc:
        cmd += " --grpc_out=$(GENDIR)/%s --plugin=protoc-gen-grpc=/usr/bin/grpc_cpp_plugin" % root
    native.genrule(
        name = name + "_gen",
        srcs = [name + "_srcs"],
        outs = hdrs + ccs,
        cmd = cmd + " " + files,
    )

    native.genrule(
        name = name + "_descriptor_set",
        srcs = [name + "_srcs"],
        outs = [name + ".descriptor_set.pb"],
        cmd = "protoc -I%s -I/usr/include --include_imports --include_source_info --descriptor_set_out=$@ %s" % (root, files),
        visibility = visibility,
    )

    native.cc_library(
        name = name,
        srcs = ccs,
        hdrs = hdrs,
        includes = ["."],
        # Generated code is not ours to fix; keep our own warnings meaningful.
        copts = ["-Wno-unused-parameter", "-Wno-deprecated-declarations"],
        deps = deps + ["//third_party:grpc" if grpc else "//third_party:protobuf"],
        visibility = visibility,
        alwayslink = alwayslink,
    )
