"""A foreign client of the evaluation service: Debian's Python grpcio with
stubs generated at test time. Usage: python_client.py STUBS_DIR PORT TOKEN.

Calls Evaluate, EvaluateStream, grpc.health.v1.Health/Check and server
reflection against a running `onus serve`, and checks the answers. Exits non-zero on any mismatch.
"""
import sys

sys.path.insert(0, sys.argv[1])
PORT, TOKEN = sys.argv[2], sys.argv[3]

import grpc  # noqa: E402
from onus.aws import s3_pb2  # noqa: E402
from onus.v1 import service_pb2, service_pb2_grpc, snapshot_pb2  # noqa: E402

TIMEOUT = 20  # seconds, every call
AUTH = [("authorization", "Bearer " + TOKEN)]


def bucket(account, i, versioned):
    b = s3_pb2.Bucket(name=f"py-{account}-{i}")
    if versioned:
        b.versioning.status = "Enabled"
    r = snapshot_pb2.Resource(id=f"arn:aws:s3:::{b.name}",
                              type="onus.aws.s3.Bucket",
                              provider=snapshot_pb2.AWS, account=account)
    r.typed.Pack(b)
    return r


def check(cond, what):
    if not cond:
        print("FAIL:", what)
        sys.exit(1)
    print("ok:", what)


def main():
    channel = grpc.insecure_channel(f"127.0.0.1:{PORT}")
    grpc.channel_ready_future(channel).result(timeout=TIMEOUT)
    stub = service_pb2_grpc.EvaluatorStub(channel)

    # Health: the standard service, called without generated stubs (the
    # response is HealthCheckResponse{status: SERVING} = field 1, varint 1).
    health = channel.unary_unary("/grpc.health.v1.Health/Check",
                                 request_serializer=lambda b: b,
                                 response_deserializer=lambda b: b)
    check(health(b"", timeout=TIMEOUT) == b"\x08\x01", "health SERVING")

    # Reflection, also without stubs: ServerReflectionRequest{list_services:
    # "*"} is field 7 (length-delimited); the answer lists service names.
    reflect = channel.stream_stream(
        "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo",
        request_serializer=lambda b: b, response_deserializer=lambda b: b)
    answers = list(reflect(iter([b"\x3a\x01*"]), timeout=TIMEOUT))
    check(len(answers) == 1 and b"onus.v1.Evaluator" in answers[0] and
          b"grpc.health.v1.Health" in answers[0],
          "reflection lists onus.v1.Evaluator and grpc.health.v1.Health")

    # Without a token.
    try:
        stub.GetInfo(service_pb2.GetInfoRequest(), timeout=TIMEOUT)
        check(False, "GetInfo without a token is refused")
    except grpc.RpcError as e:
        check(e.code() == grpc.StatusCode.UNAUTHENTICATED,
              "no token -> UNAUTHENTICATED")

    info = stub.GetInfo(service_pb2.GetInfoRequest(), timeout=TIMEOUT,
                        metadata=AUTH)
    check(info.bundle.version == 1 and len(info.bundle.digest) == 64,
          "GetInfo names bundle v1 and its digest")

    # Evaluate: 10 buckets, every other one unversioned -> 5 FAIL.
    req = service_pb2.EvaluateRequest()
    for i in range(10):
        req.resources.append(bucket("111", i, i % 2 == 0))
    resp = stub.Evaluate(req, timeout=TIMEOUT, metadata=AUTH)
    fails = [f for f in resp.report.findings if f.outcome == 2]  # FAIL
    check(len(fails) == 5, f"Evaluate: 5 FAIL findings (got {len(fails)})")
    totals = resp.report.summary.totals
    # `pass` is a Python keyword: read the field with getattr.
    check(totals.fail == 5 and getattr(totals, "pass") == 5,
          "Evaluate summary: 5 pass, 5 fail")
    check(resp.bundle.digest == info.bundle.digest, "Evaluate names bundle")

    # INVALID_ARGUMENT names the resource and field.
    bad = service_pb2.EvaluateRequest()
    r = bad.resources.add()
    r.id = "x"
    try:
        stub.Evaluate(bad, timeout=TIMEOUT, metadata=AUTH)
        check(False, "resource without type is refused")
    except grpc.RpcError as e:
        check(e.code() == grpc.StatusCode.INVALID_ARGUMENT and
              "resources[0]" in e.details(), "INVALID_ARGUMENT names field")

    # EvaluateStream: two accounts, the first marked complete.
    def items():
        yield service_pb2.EvaluateStreamRequest(
            item=snapshot_pb2.StreamItem(
                header=snapshot_pb2.SnapshotHeader(id="py-stream")))
        for acct in ("111", "222"):
            n = 0
            for i in range(50):
                n += 1
                yield service_pb2.EvaluateStreamRequest(
                    item=snapshot_pb2.StreamItem(
                        resource=bucket(acct, i, i % 5 != 0)))
            yield service_pb2.EvaluateStreamRequest(
                item=snapshot_pb2.StreamItem(
                    account_complete=snapshot_pb2.AccountComplete(
                        account=acct, resource_count=n)))

    findings, done, summary = 0, [], None
    for m in stub.EvaluateStream(items(), timeout=TIMEOUT, metadata=AUTH):
        kind = m.WhichOneof("kind")
        if kind == "finding":
            findings += 1
        elif kind == "account_done":
            done.append(m.account_done.account)
        else:
            summary = m.summary
        if m.bundle.version != 1:
            check(False, "every stream message names bundle v1")
    check(done == ["111", "222"], f"accounts done in order (got {done})")
    check(findings == 20, f"stream: 20 FAIL findings (got {findings})")
    check(summary is not None and summary.totals.fail == 20 and
          getattr(summary.totals, "pass") == 80,
          "stream summary: 80 pass, 20 fail")
    print("python client: all checks passed")


if __name__ == "__main__":
    main()
