#!/usr/bin/env python3
"""Generates the fictional "Acme" inventory: tests/data/acme/snapshot.textproto.

Deterministic: no randomness, no clock, no network; every varying property
is a function of the resource's index, so the output is byte-for-byte the
same on every run (CI regenerates it and diffs). Standard library only.

Acme has two AWS accounts (prod and dev), one GCP project and one Azure
subscription. Every resource type with a schema under proto/onus/ appears,
and each type mixes compliant and non-compliant resources: which check a
resource fails depends on its index modulo small numbers, so failures are
spread across resources and overlap in varied ways.

Usage: generate.py [OUTPUT]   (default: snapshot.textproto next to this file)
"""

import calendar
import os
import sys

# 2026-11-01T00:00:00Z: "now" for the snapshot; ages are relative to it.
NOW = calendar.timegm((2026, 11, 1, 0, 0, 0))
DAY = 86400

PROD = "111122223333"
DEV = "444455556666"
GCP_PROJECT = "acme-analytics"
GCP_PROJECT_NUMBER = "123456789012"
GCP_ORG = "987654321098"
AZ_SUB = "00000000-1111-2222-3333-444444444444"
AZ_TENANT = "99999999-8888-7777-6666-555555555555"

# How many resources of each type per account. The inventory test
# (proto/acme_snapshot_test.cc) checks the generated file against the same
# numbers; change both together.
COUNTS = {
    PROD: {
        "onus.aws.Account": 1, "onus.aws.iam.User": 12, "onus.aws.iam.Role": 8,
        "onus.aws.iam.Policy": 5, "onus.aws.s3.Bucket": 15,
        "onus.aws.ec2.SecurityGroup": 12, "onus.aws.ec2.Instance": 14,
        "onus.aws.ec2.Volume": 16, "onus.aws.ec2.Snapshot": 6,
        "onus.aws.ec2.Vpc": 3, "onus.aws.cloudtrail.Trail": 2,
        "onus.aws.kms.Key": 4, "onus.aws.rds.DBInstance": 5,
        "onus.aws.lambda.Function": 8, "onus.aws.logs.LogGroup": 8,
        "onus.aws.logs.MetricFilter": 5, "onus.aws.cloudwatch.MetricAlarm": 5,
        "onus.aws.sns.Subscription": 3, "onus.aws.guardduty.Detector": 3,
        "onus.aws.config.ConfigurationRecorder": 3,
    },
    DEV: {
        "onus.aws.Account": 1, "onus.aws.iam.User": 6, "onus.aws.iam.Role": 4,
        "onus.aws.iam.Policy": 3, "onus.aws.s3.Bucket": 8,
        "onus.aws.ec2.SecurityGroup": 6, "onus.aws.ec2.Instance": 6,
        "onus.aws.ec2.Volume": 6, "onus.aws.ec2.Snapshot": 3,
        "onus.aws.ec2.Vpc": 2, "onus.aws.cloudtrail.Trail": 1,
        "onus.aws.kms.Key": 2, "onus.aws.rds.DBInstance": 2,
        "onus.aws.lambda.Function": 4, "onus.aws.logs.LogGroup": 4,
        "onus.aws.logs.MetricFilter": 1, "onus.aws.cloudwatch.MetricAlarm": 1,
        "onus.aws.sns.Subscription": 1, "onus.aws.guardduty.Detector": 2,
        "onus.aws.config.ConfigurationRecorder": 2,
    },
    GCP_PROJECT: {
        "onus.gcp.resourcemanager.Project": 1, "onus.gcp.storage.Bucket": 10,
        "onus.gcp.compute.Firewall": 10, "onus.gcp.compute.Instance": 10,
        "onus.gcp.sql.Instance": 4, "onus.gcp.iam.ServiceAccountKey": 8,
        "onus.gcp.kms.CryptoKey": 5,
    },
    AZ_SUB: {
        "onus.azure.storage.StorageAccount": 8,
        "onus.azure.network.NetworkSecurityGroup": 8,
        "onus.azure.compute.Disk": 12, "onus.azure.sql.Server": 3,
        "onus.azure.keyvault.Vault": 4,
        "onus.azure.insights.DiagnosticSetting": 6,
    },
}

AWS_REGIONS = ["us-east-1", "eu-west-1", "ap-southeast-2"]


# --------------------------------------------------------------------------
# A minimal protobuf text-format writer for nested dicts.

class Enum(str):
    """An enum value: written without quotes."""


class Map(dict):
    """A map<string,string> field: written as repeated {key value} entries."""


def ts(seconds, nanos=0):
    m = {"seconds": int(seconds)}
    if nanos:
        m["nanos"] = nanos
    return m


def iso(seconds):
    y, mo, d, h, mi, s = __import__("time").gmtime(seconds)[:6]
    return "%04d-%02d-%02dT%02d:%02d:%02d+00:00" % (y, mo, d, h, mi, s)


def quote(s):
    out = []
    for ch in s:
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif ch == "\n":
            out.append("\\n")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def scalar(v):
    if isinstance(v, Enum):
        return str(v)
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return repr(v)
    if isinstance(v, str):
        return quote(v)
    raise TypeError("unsupported value %r" % (v,))


def write_fields(msg, indent, out):
    pad = "  " * indent
    for name, value in msg.items():
        if value is None:
            continue
        if isinstance(value, Map):
            for k in sorted(value):
                out.append("%s%s { key: %s value: %s }" %
                           (pad, name, quote(k), quote(value[k])))
        elif isinstance(value, list):
            for item in value:
                write_field(name, item, indent, out)
        else:
            write_field(name, value, indent, out)


def write_field(name, value, indent, out):
    pad = "  " * indent
    if isinstance(value, dict):
        out.append("%s%s {" % (pad, name))
        write_fields(value, indent + 1, out)
        out.append("%s}" % pad)
    else:
        out.append("%s%s: %s" % (pad, name, scalar(value)))


# --------------------------------------------------------------------------
# Resources.

RESOURCES = []


def add(rid, rtype, provider, account, region, tags, payload):
    RESOURCES.append({
        "id": rid,
        "type": rtype,
        "provider": Enum(provider),
        "account": account,
        "region": region,
        "tags": Map(tags),
        "typed": ("[type.googleapis.com/%s]" % rtype, payload),
    })


def aws_tags(tags):
    return [{"key": k, "value": v} for k, v in sorted(tags.items())]


def env_of(acct):
    return "prod" if acct == PROD else "dev"


def kms_arn(acct, region, n):
    return "arn:aws:kms:%s:%s:key/%08x-0000-4000-8000-%012x" % (
        region, acct, n + 1, int(acct) + n)


def cred_report(user, arn, created, i, mfa, key_age_days, key_active,
                password=True, last_used_days=None):
    na = "N/A"
    r = {
        "user": user,
        "arn": arn,
        "user_creation_time": iso(created),
        "password_enabled": "true" if password else "false",
        "password_last_used": (iso(NOW - last_used_days * DAY)
                               if password and last_used_days is not None
                               else ("no_information" if password else na)),
        "password_last_changed": iso(NOW - (30 + 11 * i) * DAY) if password else na,
        "password_next_rotation": na,
        "mfa_active": mfa,
        "access_key_1_active": key_active,
        "access_key_1_last_rotated": iso(NOW - key_age_days * DAY) if key_active else na,
        "access_key_1_last_used_date": iso(NOW - (i % 5) * DAY) if key_active else na,
        "access_key_1_last_used_region": "us-east-1" if key_active else na,
        "access_key_1_last_used_service": "s3" if key_active else na,
        "access_key_2_active": False,
        "access_key_2_last_rotated": na,
        "access_key_2_last_used_date": na,
        "access_key_2_last_used_region": na,
        "access_key_2_last_used_service": na,
        "cert_1_active": False,
        "cert_1_last_rotated": na,
        "cert_2_active": False,
        "cert_2_last_rotated": na,
    }
    return r


def gen_aws(acct):
    env = env_of(acct)
    c = COUNTS[acct]
    alias = "acme-" + env

    # Account-level view. Prod is in good shape; dev has a weak password
    # policy, root access keys and no security contact.
    good = acct == PROD
    add("arn:aws:iam::%s:root" % acct,
        "onus.aws.Account", "AWS", acct, "global", {"env": env}, {
            "account": acct,
            "account_aliases": [alias],
            "summary_map": {
                "account_mfa_enabled": 1 if good else 0,
                "account_access_keys_present": 0 if good else 1,
                "users": c["onus.aws.iam.User"],
                "roles": c["onus.aws.iam.Role"],
                "policies": c["onus.aws.iam.Policy"],
                "mfa_devices": c["onus.aws.iam.User"] - 2,
                "mfa_devices_in_use": c["onus.aws.iam.User"] - 2,
            },
            "password_policy": {
                "minimum_password_length": 14 if good else 8,
                "require_symbols": good,
                "require_numbers": True,
                "require_uppercase_characters": True,
                "require_lowercase_characters": True,
                "allow_users_to_change_password": True,
                "expire_passwords": good,
                "max_password_age": 90 if good else None,
                "password_reuse_prevention": 24 if good else None,
            },
            "root_credential_report": {
                "user": "<root_account>",
                "arn": "arn:aws:iam::%s:root" % acct,
                "user_creation_time": iso(NOW - 2000 * DAY),
                "password_enabled": "not_supported",
                "password_last_used": iso(NOW - (200 if good else 3) * DAY),
                "password_last_changed": "not_supported",
                "password_next_rotation": "not_supported",
                "mfa_active": good,
                "access_key_1_active": not good,
                "access_key_1_last_rotated": "N/A" if good else iso(NOW - 700 * DAY),
                "access_key_2_active": False,
            },
            "alternate_contacts": [{
                "alternate_contact_type": "SECURITY",
                "email_address": "security@acme.example",
                "name": "Acme Security",
            }] if good else [],
        })

    # IAM users: every 3rd lacks MFA, every 4th has an access key older
    # than 90 days, every 5th has an admin policy attached directly.
    for i in range(c["onus.aws.iam.User"]):
        name = "%s-user-%02d" % (env, i)
        arn = "arn:aws:iam::%s:user/%s" % (acct, name)
        created = NOW - (400 + 37 * i) * DAY
        mfa = i % 3 != 0
        key_active = i % 2 == 0
        key_age = 200 + i if i % 4 == 0 else 20 + i
        policies = [{"policy_name": "ReadOnlyAccess",
                     "policy_arn": "arn:aws:iam::aws:policy/ReadOnlyAccess"}]
        if i % 5 == 0:
            policies.append({"policy_name": "AdministratorAccess",
                             "policy_arn": "arn:aws:iam::aws:policy/AdministratorAccess"})
        add(arn, "onus.aws.iam.User", "AWS", acct, "global",
            {"team": ["platform", "data", "web"][i % 3]}, {
                "path": "/",
                "user_name": name,
                "user_id": "AIDA%s%04d" % (acct, i),
                "arn": arn,
                "create_date": ts(created),
                "password_last_used": ts(NOW - (i * 13 % 120) * DAY),
                "tags": aws_tags({"team": ["platform", "data", "web"][i % 3]}),
                "attached_policies": policies,
                "groups": [{"group_name": "engineers",
                            "arn": "arn:aws:iam::%s:group/engineers" % acct}],
                "access_key_metadata": [{
                    "user_name": name,
                    "access_key_id": "AKIA%s%04d" % (acct[:8], i),
                    "status": "Active",
                    "create_date": ts(NOW - key_age * DAY),
                }] if key_active else [],
                "mfa_devices": [{"user_name": name,
                                 "serial_number": "arn:aws:iam::%s:mfa/%s" % (acct, name),
                                 "enable_date": ts(created + DAY)}] if mfa else [],
                "credential_report": cred_report(
                    name, arn, created, i, mfa, key_age, key_active,
                    last_used_days=(i * 13 % 120)),
            })

    # Roles: every 4th trusts any AWS principal ("*").
    for i in range(c["onus.aws.iam.Role"]):
        name = "%s-role-%02d" % (env, i)
        principal = ('{"AWS":"*"}' if i % 4 == 3 else
                     '{"Service":"%s"}' % ["lambda.amazonaws.com", "ec2.amazonaws.com"][i % 2])
        add("arn:aws:iam::%s:role/%s" % (acct, name), "onus.aws.iam.Role", "AWS",
            acct, "global", {}, {
                "path": "/",
                "role_name": name,
                "role_id": "AROA%s%04d" % (acct, i),
                "arn": "arn:aws:iam::%s:role/%s" % (acct, name),
                "create_date": ts(NOW - (300 + 10 * i) * DAY),
                "assume_role_policy_document":
                    '{"Version":"2012-10-17","Statement":[{"Effect":"Allow",'
                    '"Principal":%s,"Action":"sts:AssumeRole"}]}' % principal,
                "max_session_duration": 3600,
                "role_last_used": {"last_used_date": ts(NOW - i * 9 * DAY),
                                   "region": "us-east-1"},
                "attached_policies": [{"policy_name": "ReadOnlyAccess",
                                       "policy_arn": "arn:aws:iam::aws:policy/ReadOnlyAccess"}],
            })

    # Managed policies: the first grants "*" on "*".
    for i in range(c["onus.aws.iam.Policy"]):
        name = "%s-policy-%02d" % (env, i)
        action = '"*"' if i == 0 else '["s3:GetObject","s3:ListBucket"]'
        resource = '"*"' if i == 0 else '"arn:aws:s3:::acme-%s-data-%02d/*"' % (env, i)
        add("arn:aws:iam::%s:policy/%s" % (acct, name), "onus.aws.iam.Policy", "AWS",
            acct, "global", {}, {
                "policy_name": name,
                "policy_id": "ANPA%s%04d" % (acct, i),
                "arn": "arn:aws:iam::%s:policy/%s" % (acct, name),
                "path": "/",
                "default_version_id": "v1",
                "attachment_count": i % 3,
                "is_attachable": True,
                "create_date": ts(NOW - 500 * DAY),
                "update_date": ts(NOW - 10 * i * DAY),
                "policy_version": {
                    "document": '{"Version":"2012-10-17","Statement":[{"Effect":"Allow",'
                                '"Action":%s,"Resource":%s}]}' % (action, resource),
                    "version_id": "v1",
                    "is_default_version": True,
                    "create_date": ts(NOW - 10 * i * DAY),
                },
            })

    # S3: every 4th bucket is public (ACL AllUsers, no public access block),
    # every 3rd unencrypted, every 2nd without versioning, every 5th without
    # access logging.
    for i in range(c["onus.aws.s3.Bucket"]):
        name = "acme-%s-data-%02d" % (env, i)
        region = AWS_REGIONS[i % 3]
        public = i % 4 == 1
        grants = [{"grantee": {"type": "CanonicalUser", "id": "owner" + acct},
                   "permission": "FULL_CONTROL"}]
        if public:
            grants.append({"grantee": {"type": "Group",
                                       "uri": "http://acs.amazonaws.com/groups/global/AllUsers"},
                           "permission": "READ"})
        b = {
            "name": name,
            "creation_date": ts(NOW - (100 + 20 * i) * DAY),
            "location_constraint": "" if region == "us-east-1" else region,
            "owner": {"display_name": alias, "id": "owner" + acct},
            "grants": grants,
            "policy": ('{"Version":"2012-10-17","Statement":[{"Sid":"DenyInsecure",'
                       '"Effect":"Deny","Principal":"*","Action":"s3:*",'
                       '"Resource":"arn:aws:s3:::%s/*","Condition":{"Bool":'
                       '{"aws:SecureTransport":"false"}}}]}' % name) if i % 2 == 0 else "",
            "policy_status": {"is_public": public},
            "public_access_block_configuration": None if public else {
                "block_public_acls": True, "ignore_public_acls": True,
                "block_public_policy": True, "restrict_public_buckets": True},
            "server_side_encryption_configuration": None if i % 3 == 2 else {
                "rules": [{"apply_server_side_encryption_by_default": {
                    "sse_algorithm": "aws:kms" if i % 2 == 0 else "AES256",
                    "kms_master_key_id": kms_arn(acct, region, 0) if i % 2 == 0 else None},
                    "bucket_key_enabled": i % 2 == 0}]},
            "versioning": {"status": "Enabled", "mfa_delete": "Disabled"} if i % 2 == 0
                          else ({"status": "Suspended"} if i % 4 == 3 else None),
            "logging_enabled": None if i % 5 == 4 else {
                "target_bucket": "acme-%s-access-logs" % env, "target_prefix": name + "/"},
            "tag_set": aws_tags({"env": env, "data-class": ["public", "internal", "confidential"][i % 3]}),
        }
        add("arn:aws:s3:::" + name, "onus.aws.s3.Bucket", "AWS", acct, region,
            {"env": env, "data-class": ["public", "internal", "confidential"][i % 3]}, b)

    # Security groups: every 3rd opens SSH (22) or RDP (3389) to the world;
    # the others allow HTTPS from anywhere or only internal traffic.
    vpcs = ["vpc-%s%02d" % (acct[:8], v) for v in range(c["onus.aws.ec2.Vpc"])]
    for i in range(c["onus.aws.ec2.SecurityGroup"]):
        gid = "sg-%s%04d" % (acct[:8], i)
        region = AWS_REGIONS[i % 3]
        if i % 3 == 0:
            port = 22 if i % 2 == 0 else 3389
            ingress = [{"from_port": port, "to_port": port, "ip_protocol": "tcp",
                        "ip_ranges": [{"cidr_ip": "0.0.0.0/0"}]}]
        elif i % 3 == 1:
            ingress = [{"from_port": 443, "to_port": 443, "ip_protocol": "tcp",
                        "ip_ranges": [{"cidr_ip": "0.0.0.0/0", "description": "HTTPS"}],
                        "ipv6_ranges": [{"cidr_ipv6": "::/0"}]}]
        else:
            ingress = [{"ip_protocol": "-1",
                        "user_id_group_pairs": [{"group_id": gid, "user_id": acct}]},
                       {"from_port": 5432, "to_port": 5432, "ip_protocol": "tcp",
                        "ip_ranges": [{"cidr_ip": "10.0.0.0/8"}]}]
        if i % 7 == 6:  # all ports to the world
            ingress.append({"ip_protocol": "-1", "ip_ranges": [{"cidr_ip": "0.0.0.0/0"}]})
        add("arn:aws:ec2:%s:%s:security-group/%s" % (region, acct, gid),
            "onus.aws.ec2.SecurityGroup", "AWS", acct, region, {"Name": "sg-%02d" % i}, {
                "description": "security group %d" % i,
                "group_name": "%s-sg-%02d" % (env, i),
                "group_id": gid,
                "owner_id": acct,
                "vpc_id": vpcs[i % len(vpcs)],
                "ip_permissions": ingress,
                "ip_permissions_egress": [{"ip_protocol": "-1",
                                           "ip_ranges": [{"cidr_ip": "0.0.0.0/0"}]}],
                "tags": aws_tags({"Name": "sg-%02d" % i}),
            })

    # Instances: every 2nd allows IMDSv1, every 3rd has a public IP, every
    # 4th has no instance profile, every 5th is stopped.
    for i in range(c["onus.aws.ec2.Instance"]):
        iid = "i-%s%08x" % (acct[:4], i)
        region = AWS_REGIONS[i % 3]
        add("arn:aws:ec2:%s:%s:instance/%s" % (region, acct, iid), "onus.aws.ec2.Instance",
            "AWS", acct, region, {"Name": "%s-app-%02d" % (env, i), "env": env}, {
                "image_id": "ami-%012x" % (0xabc000 + i % 4),
                "instance_id": iid,
                "instance_type": ["t3.medium", "m6i.large", "c6g.xlarge"][i % 3],
                "launch_time": ts(NOW - (5 + 17 * i) * DAY),
                "monitoring": {"state": "disabled" if i % 2 else "enabled"},
                "placement": {"availability_zone": region + "a", "tenancy": "default"},
                "private_ip_address": "10.0.%d.%d" % (i // 200, 10 + i % 200),
                "public_ip_address": "54.%d.0.%d" % (i % 200, 10 + i) if i % 3 == 0 else None,
                "state": {"code": 80, "name": "stopped"} if i % 5 == 4 else
                         {"code": 16, "name": "running"},
                "subnet_id": "subnet-%s%02d" % (acct[:8], i % 4),
                "vpc_id": vpcs[i % len(vpcs)],
                "architecture": "x86_64",
                "iam_instance_profile": None if i % 4 == 3 else {
                    "arn": "arn:aws:iam::%s:instance-profile/app" % acct, "id": "AIPA%04d" % i},
                "security_groups": [{"group_id": "sg-%s%04d" % (acct[:8], i % c["onus.aws.ec2.SecurityGroup"]),
                                     "group_name": "%s-sg-%02d" % (env, i % c["onus.aws.ec2.SecurityGroup"])}],
                "tags": aws_tags({"Name": "%s-app-%02d" % (env, i), "env": env}),
                "metadata_options": {
                    "state": "applied",
                    "http_tokens": "optional" if i % 2 == 0 else "required",
                    "http_put_response_hop_limit": 1 if i % 2 == 0 else 2,
                    "http_endpoint": "enabled"},
                "block_device_mappings": [{"device_name": "/dev/xvda", "ebs": {
                    "volume_id": "vol-%s%08x" % (acct[:4], i), "status": "attached",
                    "delete_on_termination": True}}],
            })

    # Volumes: every 3rd unencrypted; the ones past the instances are
    # unattached.
    n_inst = c["onus.aws.ec2.Instance"]
    for i in range(c["onus.aws.ec2.Volume"]):
        vid = "vol-%s%08x" % (acct[:4], i)
        region = AWS_REGIONS[i % 3]
        enc = i % 3 != 1
        add("arn:aws:ec2:%s:%s:volume/%s" % (region, acct, vid), "onus.aws.ec2.Volume",
            "AWS", acct, region, {}, {
                "attachments": [{"instance_id": "i-%s%08x" % (acct[:4], i), "device": "/dev/xvda",
                                 "state": "attached", "volume_id": vid,
                                 "delete_on_termination": True}] if i < n_inst else [],
                "availability_zone": region + "a",
                "create_time": ts(NOW - (5 + 17 * i) * DAY),
                "encrypted": enc,
                "kms_key_id": kms_arn(acct, region, 0) if enc else None,
                "size": 30 + 10 * (i % 5),
                "state": "in-use" if i < n_inst else "available",
                "volume_id": vid,
                "iops": 3000,
                "volume_type": "gp3",
            })

    # Snapshots: every 3rd is public, every 2nd unencrypted.
    for i in range(c["onus.aws.ec2.Snapshot"]):
        sid = "snap-%s%08x" % (acct[:4], i)
        region = AWS_REGIONS[i % 3]
        add("arn:aws:ec2:%s:%s:snapshot/%s" % (region, acct, sid), "onus.aws.ec2.Snapshot",
            "AWS", acct, region, {"backup": "nightly"}, {
                "description": "backup %d" % i,
                "encrypted": i % 2 == 0,
                "kms_key_id": kms_arn(acct, region, 0) if i % 2 == 0 else None,
                "owner_id": acct,
                "progress": "100%",
                "snapshot_id": sid,
                "start_time": ts(NOW - (i + 1) * DAY),
                "state": "completed",
                "volume_id": "vol-%s%08x" % (acct[:4], i),
                "volume_size": 30,
                "tags": aws_tags({"backup": "nightly"}),
                "create_volume_permissions": [{"group": "all"}] if i % 3 == 1 else [],
            })

    # VPCs: the last one of each account has no flow logs.
    for i, vid in enumerate(vpcs):
        region = AWS_REGIONS[i % 3]
        logs = [] if i == len(vpcs) - 1 else [{
            "creation_time": ts(NOW - 300 * DAY), "deliver_logs_status": "SUCCESS",
            "flow_log_id": "fl-%s%02d" % (acct[:8], i), "flow_log_status": "ACTIVE",
            "log_group_name": "/vpc/%s/flow" % vid, "resource_id": vid,
            "traffic_type": "ALL" if i % 2 == 0 else "REJECT",
            "log_destination_type": "cloud-watch-logs", "max_aggregation_interval": 600}]
        add("arn:aws:ec2:%s:%s:vpc/%s" % (region, acct, vid), "onus.aws.ec2.Vpc", "AWS", acct,
            region, {"Name": "%s-vpc-%d" % (env, i)}, {
                "cidr_block": "10.%d.0.0/16" % i, "state": "available", "vpc_id": vid,
                "owner_id": acct, "instance_tenancy": "default", "is_default": i == 1,
                "tags": aws_tags({"Name": "%s-vpc-%d" % (env, i)}), "flow_logs": logs})

    # Trails: prod has a good multi-region trail plus a stopped single-region
    # one; dev's only trail has no log validation, no KMS and no CloudWatch.
    for i in range(c["onus.aws.cloudtrail.Trail"]):
        good_trail = acct == PROD and i == 0
        name = "%s-trail-%d" % (env, i)
        add("arn:aws:cloudtrail:us-east-1:%s:trail/%s" % (acct, name), "onus.aws.cloudtrail.Trail",
            "AWS", acct, "us-east-1", {}, {
                "name": name,
                "s3_bucket_name": "acme-%s-audit-logs" % env,
                "include_global_service_events": True,
                "is_multi_region_trail": good_trail,
                "home_region": "us-east-1",
                "trail_arn": "arn:aws:cloudtrail:us-east-1:%s:trail/%s" % (acct, name),
                "log_file_validation_enabled": good_trail,
                "cloud_watch_logs_log_group_arn": ("arn:aws:logs:us-east-1:%s:log-group:cloudtrail:*" % acct)
                                                  if good_trail else None,
                "kms_key_id": kms_arn(acct, "us-east-1", 0) if good_trail else None,
                "has_custom_event_selectors": good_trail,
                "is_logging": acct != PROD or i == 0,
                "latest_delivery_time": ts(NOW - 600),
                "start_logging_time": ts(NOW - 900 * DAY),
                "event_selectors": [{"read_write_type": "All", "include_management_events": True,
                                     "data_resources": [{"type": "AWS::S3::Object",
                                                         "values": ["arn:aws:s3"]}] if good_trail else []}],
            })

    # KMS keys: every 2nd customer key has rotation off; one AWS-managed key.
    for i in range(c["onus.aws.kms.Key"]):
        region = AWS_REGIONS[i % 3]
        arn = kms_arn(acct, region, i)
        aws_managed = i == c["onus.aws.kms.Key"] - 1
        add(arn, "onus.aws.kms.Key", "AWS", acct, region, {}, {
            "aws_account_id": acct,
            "key_id": arn.split("/")[-1],
            "arn": arn,
            "creation_date": ts(NOW - 800 * DAY),
            "enabled": True,
            "description": "aws/s3" if aws_managed else "acme key %d" % i,
            "key_usage": "ENCRYPT_DECRYPT",
            "key_state": "PendingDeletion" if i == 2 else "Enabled",
            "origin": "AWS_KMS",
            "key_manager": "AWS" if aws_managed else "CUSTOMER",
            "key_spec": "SYMMETRIC_DEFAULT",
            "key_rotation_enabled": aws_managed or i % 2 == 0,
            "tags": [{"tag_key": "env", "tag_value": env}],
        })

    # RDS: every 2nd public, every 3rd unencrypted, short backups on odd.
    for i in range(c["onus.aws.rds.DBInstance"]):
        region = AWS_REGIONS[i % 3]
        ident = "%s-db-%02d" % (env, i)
        add("arn:aws:rds:%s:%s:db:%s" % (region, acct, ident), "onus.aws.rds.DBInstance",
            "AWS", acct, region, {"app": "db%d" % i}, {
                "db_instance_identifier": ident,
                "db_instance_class": "db.r6g.large",
                "engine": ["postgres", "mysql"][i % 2],
                "engine_version": ["15.4", "8.0.35"][i % 2],
                "db_instance_status": "available",
                "master_username": "admin",
                "endpoint": {"address": "%s.abc.%s.rds.amazonaws.com" % (ident, region),
                             "port": [5432, 3306][i % 2]},
                "allocated_storage": 100,
                "instance_create_time": ts(NOW - 365 * DAY),
                "backup_retention_period": 1 if i % 2 else 7,
                "multi_az": i % 2 == 0,
                "auto_minor_version_upgrade": i % 4 != 3,
                "publicly_accessible": i % 2 == 1,
                "storage_encrypted": i % 3 != 2,
                "kms_key_id": kms_arn(acct, region, 0) if i % 3 != 2 else None,
                "db_instance_arn": "arn:aws:rds:%s:%s:db:%s" % (region, acct, ident),
                "deletion_protection": acct == PROD and i % 2 == 0,
                "tag_list": aws_tags({"app": "db%d" % i}),
            })

    # Lambda: deprecated runtimes, public function URLs, secrets in env.
    runtimes = ["python3.12", "nodejs20.x", "python3.8", "nodejs14.x"]
    for i in range(c["onus.aws.lambda.Function"]):
        region = AWS_REGIONS[i % 3]
        name = "%s-fn-%02d" % (env, i)
        arn = "arn:aws:lambda:%s:%s:function:%s" % (region, acct, name)
        env_vars = {"STAGE": env}
        if i % 4 == 2:
            env_vars["DB_PASSWORD"] = "changeme"
        add(arn, "onus.aws.lambda.Function", "AWS", acct, region, {"app": name}, {
            "function_name": name,
            "function_arn": arn,
            "runtime": runtimes[i % 4],
            "role": "arn:aws:iam::%s:role/%s-role-%02d" % (acct, env, i % c["onus.aws.iam.Role"]),
            "handler": "app.handler",
            "code_size": 1024 * (i + 1),
            "timeout": 30,
            "memory_size": 256,
            "last_modified": "2026-10-%02dT10:00:00.000+0000" % (1 + i % 28),
            "vpc_config": {"subnet_ids": ["subnet-%s00" % acct[:8]], "vpc_id": vpcs[0]} if i % 2 == 0 else None,
            "environment": {"variables": Map(env_vars)},
            "tracing_config": {"mode": "Active" if i % 3 == 0 else "PassThrough"},
            "state": "Active",
            "package_type": "Zip",
            "architectures": ["arm64"],
            "function_url_configs": [{"function_url": "https://%s.lambda-url.%s.on.aws/" % (name, region),
                                      "function_arn": arn,
                                      "auth_type": "NONE" if i % 3 == 1 else "AWS_IAM"}] if i % 3 != 0 else [],
            "tags": Map({"app": name}),
        })

    # Log groups: some never expire, some keep less than a year.
    for i in range(c["onus.aws.logs.LogGroup"]):
        region = AWS_REGIONS[i % 3]
        name = "cloudtrail" if i == 0 else "/aws/lambda/%s-fn-%02d" % (env, i)
        add("arn:aws:logs:%s:%s:log-group:%s" % (region, acct, name), "onus.aws.logs.LogGroup",
            "AWS", acct, region, {}, {
                "log_group_name": name,
                "creation_time": (NOW - 400 * DAY) * 1000,
                "retention_in_days": [365, 30, None, 400][i % 4],
                "metric_filter_count": c["onus.aws.logs.MetricFilter"] if i == 0 else 0,
                "arn": "arn:aws:logs:%s:%s:log-group:%s:*" % (region, acct, name),
                "stored_bytes": 1000000 * (i + 1),
                "kms_key_id": kms_arn(acct, region, 0) if i % 2 == 0 else None,
            })

    # CIS 4.x metric filters + alarms on the CloudTrail log group. Dev has
    # only the first one; prod's last alarm has no action.
    filters = [
        ("unauthorized-api-calls", '{ ($.errorCode = "*UnauthorizedOperation") || ($.errorCode = "AccessDenied*") }'),
        ("root-usage", '{ $.userIdentity.type = "Root" && $.userIdentity.invokedBy NOT EXISTS && $.eventType != "AwsServiceEvent" }'),
        ("iam-policy-changes", '{ ($.eventName = DeleteGroupPolicy) || ($.eventName = PutUserPolicy) }'),
        ("cloudtrail-changes", '{ ($.eventName = StopLogging) || ($.eventName = DeleteTrail) || ($.eventName = UpdateTrail) }'),
        ("console-no-mfa", '{ ($.eventName = "ConsoleLogin") && ($.additionalEventData.MFAUsed != "Yes") }'),
    ]
    for i in range(c["onus.aws.logs.MetricFilter"]):
        fname, pattern = filters[i]
        add("arn:aws:logs:us-east-1:%s:metric-filter:cloudtrail/%s" % (acct, fname),
            "onus.aws.logs.MetricFilter", "AWS", acct, "us-east-1", {}, {
                "filter_name": fname,
                "filter_pattern": pattern,
                "metric_transformations": [{"metric_name": fname, "metric_namespace": "CISBenchmark",
                                            "metric_value": "1"}],
                "creation_time": (NOW - 300 * DAY) * 1000,
                "log_group_name": "cloudtrail",
            })
    topic = "arn:aws:sns:us-east-1:%s:security-alerts" % acct
    for i in range(c["onus.aws.cloudwatch.MetricAlarm"]):
        fname = filters[i][0]
        no_action = acct == PROD and i == c["onus.aws.cloudwatch.MetricAlarm"] - 1
        add("arn:aws:cloudwatch:us-east-1:%s:alarm:%s" % (acct, fname),
            "onus.aws.cloudwatch.MetricAlarm", "AWS", acct, "us-east-1", {}, {
                "alarm_name": fname,
                "alarm_arn": "arn:aws:cloudwatch:us-east-1:%s:alarm:%s" % (acct, fname),
                "actions_enabled": True,
                "alarm_actions": [] if no_action else [topic],
                "state_value": "OK",
                "state_updated_timestamp": ts(NOW - DAY),
                "metric_name": fname,
                "namespace": "CISBenchmark",
                "statistic": "Sum",
                "period": 300,
                "evaluation_periods": 1,
                "threshold": 1.0,
                "comparison_operator": "GreaterThanOrEqualToThreshold",
                "treat_missing_data": "notBreaching",
            })
    for i in range(c["onus.aws.sns.Subscription"]):
        pending = i == 2
        add("%s:sub-%02d" % (topic, i), "onus.aws.sns.Subscription", "AWS", acct, "us-east-1", {}, {
            "subscription_arn": "PendingConfirmation" if pending else "%s:0000-%04d" % (topic, i),
            "owner": acct,
            "protocol": ["email", "https", "sms"][i % 3],
            "endpoint": ["secops@acme.example", "https://hooks.acme.example/sec", "+15550100"][i % 3],
            "topic_arn": topic,
        })

    # GuardDuty: one detector per region; dev's second region is disabled.
    for i in range(c["onus.aws.guardduty.Detector"]):
        region = AWS_REGIONS[i]
        did = "%032x" % (int(acct) * 10 + i)
        enabled = not (acct == DEV and i == 1)
        add("arn:aws:guardduty:%s:%s:detector/%s" % (region, acct, did), "onus.aws.guardduty.Detector",
            "AWS", acct, region, {}, {
                "detector_id": did,
                "created_at": ts(NOW - 700 * DAY),
                "finding_publishing_frequency": "FIFTEEN_MINUTES" if i == 0 else "SIX_HOURS",
                "status": "ENABLED" if enabled else "DISABLED",
                "updated_at": ts(NOW - 30 * DAY),
                "data_sources": {"cloud_trail": {"status": "ENABLED"},
                                 "dns_logs": {"status": "ENABLED"},
                                 "flow_logs": {"status": "ENABLED"},
                                 "s3_logs": {"status": "ENABLED" if i == 0 else "DISABLED"}},
            })

    # Config: one recorder per region; the last region's is not recording.
    for i in range(c["onus.aws.config.ConfigurationRecorder"]):
        region = AWS_REGIONS[i]
        last = i == c["onus.aws.config.ConfigurationRecorder"] - 1
        add("arn:aws:config:%s:%s:config-recorder/default" % (region, acct),
            "onus.aws.config.ConfigurationRecorder", "AWS", acct, region, {}, {
                "name": "default",
                "role_arn": "arn:aws:iam::%s:role/aws-service-role/config.amazonaws.com/AWSServiceRoleForConfig" % acct,
                "recording_group": {"all_supported": not last,
                                    "include_global_resource_types": i == 0},
                "status": {"name": "default", "last_start_time": ts(NOW - 600 * DAY),
                           "recording": not last,
                           "last_status": "Failure" if last else "Success",
                           "last_status_change_time": ts(NOW - DAY)},
            })


def gcp_asset(name, asset_type, discovery, location, data, iam=None, parent=None):
    return {
        "name": name,
        "asset_type": asset_type,
        "ancestors": ["projects/" + GCP_PROJECT_NUMBER, "organizations/" + GCP_ORG],
        "update_time": ts(NOW - DAY),
        "resource": {
            "version": "v1",
            "discovery_name": discovery,
            "parent": parent or "//cloudresourcemanager.googleapis.com/projects/" + GCP_PROJECT_NUMBER,
            "location": location,
            "data": data,
        },
        "iam_policy": iam,
    }


def gen_gcp():
    acct = GCP_PROJECT
    c = COUNTS[acct]
    cp = "https://www.googleapis.com/compute/v1/projects/" + GCP_PROJECT
    name = "//cloudresourcemanager.googleapis.com/projects/" + GCP_PROJECT_NUMBER
    add(name, "onus.gcp.resourcemanager.Project", "GCP", acct, "global", {"cost-center": "data"},
        gcp_asset(name, "cloudresourcemanager.googleapis.com/Project", "Project", "", {
            "project_number": int(GCP_PROJECT_NUMBER),
            "project_id": GCP_PROJECT,
            "lifecycle_state": "ACTIVE",
            "name": "Acme Analytics",
            "create_time": ts(NOW - 1500 * DAY),
            "parent": {"type": "organization", "id": GCP_ORG},
            "labels": Map({"cost-center": "data"}),
        }, iam={
            "version": 1,
            "bindings": [
                {"role": "roles/owner", "members": ["user:cto@acme.example"]},
                {"role": "roles/editor",
                 "members": ["serviceAccount:%s-compute@developer.gserviceaccount.com" % GCP_PROJECT_NUMBER]},
            ],
            # Data access logs are only partly on: DATA_READ is missing.
            "audit_configs": [{"service": "allServices", "audit_log_configs": [
                {"log_type": "ADMIN_READ"}, {"log_type": "DATA_WRITE"}]}],
        }, parent="//cloudresourcemanager.googleapis.com/organizations/" + GCP_ORG))

    # Buckets: every 3rd public to allUsers, every 2nd without uniform
    # bucket-level access, every 4th without versioning.
    for i in range(c["onus.gcp.storage.Bucket"]):
        bname = "acme-analytics-%02d" % i
        loc = ["EU", "US", "EUROPE-WEST1"][i % 3]
        full = "//storage.googleapis.com/" + bname
        bindings = [{"role": "roles/storage.admin", "members": ["group:data-eng@acme.example"]}]
        if i % 3 == 0:
            bindings.append({"role": "roles/storage.objectViewer", "members": ["allUsers"]})
        add(full, "onus.gcp.storage.Bucket", "GCP", acct, loc.lower(), {"team": "analytics"},
            gcp_asset(full, "storage.googleapis.com/Bucket", "Bucket", loc.lower(), {
                "kind": "storage#bucket", "id": bname, "name": bname,
                "self_link": "https://www.googleapis.com/storage/v1/b/" + bname,
                "project_number": int(GCP_PROJECT_NUMBER), "location": loc,
                "location_type": "multi-region" if i % 3 != 2 else "region",
                "storage_class": "STANDARD", "time_created": ts(NOW - (50 + 30 * i) * DAY),
                "updated": ts(NOW - i * DAY),
                "versioning": {"enabled": i % 4 != 1},
                "logging": {"log_bucket": "acme-analytics-logs"} if i % 2 == 0 else None,
                "iam_configuration": {
                    "uniform_bucket_level_access": {"enabled": i % 2 == 0},
                    "public_access_prevention": "enforced" if i % 3 == 1 else "inherited"},
                "encryption": {"default_kms_key_name":
                               "projects/%s/locations/europe/keyRings/data/cryptoKeys/key-00" % GCP_PROJECT}
                              if i % 3 == 2 else None,
                "labels": Map({"team": "analytics"}),
            }, iam={"version": 1, "bindings": bindings}))

    # Firewalls: every 3rd opens SSH/RDP to 0.0.0.0/0, every 2nd has no
    # logging.
    for i in range(c["onus.gcp.compute.Firewall"]):
        fname = "fw-%02d" % i
        full = "//compute.googleapis.com/projects/%s/global/firewalls/%s" % (GCP_PROJECT, fname)
        if i % 3 == 0:
            allowed = [{"ip_protocol": "tcp", "ports": ["22" if i % 2 == 0 else "3389"]}]
            src = ["0.0.0.0/0"]
        elif i % 3 == 1:
            allowed = [{"ip_protocol": "tcp", "ports": ["443"]}]
            src = ["0.0.0.0/0"]
        else:
            allowed = [{"ip_protocol": "all"}]
            src = ["10.128.0.0/9"]
        add(full, "onus.gcp.compute.Firewall", "GCP", acct, "global", {},
            gcp_asset(full, "compute.googleapis.com/Firewall", "Firewall", "global", {
                "kind": "compute#firewall", "id": str(7000000000000000000 + i),
                "creation_timestamp": ts(NOW - (100 + i) * DAY), "name": fname,
                "network": cp + "/global/networks/default", "priority": 1000,
                "source_ranges": src, "allowed": allowed, "direction": "INGRESS",
                "log_config": {"enable": i % 2 == 1}, "disabled": False,
                "self_link": cp + "/global/firewalls/" + fname,
            }))

    # Instances: every 2nd has an external IP, every 3rd uses the default
    # compute service account with cloud-platform scope, every 4th enables
    # the serial port, secure boot off on odd.
    for i in range(c["onus.gcp.compute.Instance"]):
        zone = ["europe-west1-b", "us-central1-a"][i % 2]
        iname = "vm-%02d" % i
        full = "//compute.googleapis.com/projects/%s/zones/%s/instances/%s" % (GCP_PROJECT, zone, iname)
        sa = ("%s-compute@developer.gserviceaccount.com" % GCP_PROJECT_NUMBER if i % 3 == 0
              else "etl@%s.iam.gserviceaccount.com" % GCP_PROJECT)
        add(full, "onus.gcp.compute.Instance", "GCP", acct, zone, {"env": "prod"},
            gcp_asset(full, "compute.googleapis.com/Instance", "Instance", zone, {
                "kind": "compute#instance", "id": str(8000000000000000000 + i),
                "creation_timestamp": ts(NOW - (20 + 9 * i) * DAY), "name": iname,
                "machine_type": cp + "/zones/%s/machineTypes/e2-standard-4" % zone,
                "status": "RUNNING" if i % 5 != 4 else "TERMINATED",
                "zone": cp + "/zones/" + zone, "can_ip_forward": i == 7,
                "network_interfaces": [{
                    "network": cp + "/global/networks/default", "network_ip": "10.132.0.%d" % (10 + i),
                    "name": "nic0",
                    "access_configs": [{"type": "ONE_TO_ONE_NAT", "name": "External NAT",
                                        "nat_ip": "34.76.0.%d" % (10 + i),
                                        "network_tier": "PREMIUM"}] if i % 2 == 0 else []}],
                "disks": [{"type": "PERSISTENT", "mode": "READ_WRITE", "boot": True, "auto_delete": True,
                           "device_name": iname,
                           "source": cp + "/zones/%s/disks/%s" % (zone, iname),
                           "disk_encryption_key": {"kms_key_name":
                               "projects/%s/locations/europe/keyRings/data/cryptoKeys/key-01" % GCP_PROJECT}
                           if i % 3 == 1 else None}],
                "metadata": {"items": [{"key": "enable-oslogin", "value": "TRUE" if i % 2 else "FALSE"}] +
                             ([{"key": "serial-port-enable", "value": "true"}] if i % 4 == 0 else [])},
                "service_accounts": [{"email": sa, "scopes": [
                    "https://www.googleapis.com/auth/cloud-platform" if i % 3 == 0
                    else "https://www.googleapis.com/auth/devstorage.read_only"]}],
                "self_link": cp + "/zones/%s/instances/%s" % (zone, iname),
                "scheduling": {"on_host_maintenance": "MIGRATE", "automatic_restart": True},
                "shielded_instance_config": {"enable_secure_boot": i % 2 == 0, "enable_vtpm": True,
                                             "enable_integrity_monitoring": True},
                "labels": Map({"env": "prod"}),
            }))

    # Cloud SQL: every 2nd has a public IP open to the world and no SSL
    # enforcement; the last has no backups.
    for i in range(c["onus.gcp.sql.Instance"]):
        sname = "sql-%02d" % i
        region = ["europe-west1", "us-central1"][i % 2]
        full = "//cloudsql.googleapis.com/projects/%s/instances/%s" % (GCP_PROJECT, sname)
        open_ = i % 2 == 0
        add(full, "onus.gcp.sql.Instance", "GCP", acct, region, {},
            gcp_asset(full, "sqladmin.googleapis.com/Instance", "DatabaseInstance", region, {
                "kind": "sql#instance", "state": "RUNNABLE",
                "database_version": ["POSTGRES_15", "MYSQL_8_0"][i % 2],
                "settings": {
                    "tier": "db-custom-2-7680", "activation_policy": "ALWAYS",
                    "ip_configuration": {
                        "ipv4_enabled": open_, "require_ssl": not open_,
                        "ssl_mode": "ALLOW_UNENCRYPTED_AND_ENCRYPTED" if open_ else "ENCRYPTED_ONLY",
                        "authorized_networks": [{"value": "0.0.0.0/0", "name": "anywhere"}] if open_ else [],
                        "private_network": None if open_ else "projects/%s/global/networks/default" % GCP_PROJECT},
                    "backup_configuration": {
                        "enabled": i != c["onus.gcp.sql.Instance"] - 1,
                        "start_time": "02:00",
                        "point_in_time_recovery_enabled": i % 2 == 1},
                    "database_flags": [{"name": "log_connections", "value": "on" if i % 2 else "off"}],
                    "availability_type": "REGIONAL" if i % 2 else "ZONAL",
                    "data_disk_size_gb": 100, "storage_auto_resize": True,
                    "deletion_protection_enabled": i % 2 == 1},
                "project": GCP_PROJECT, "name": sname, "region": region,
                "ip_addresses": [{"type": "PRIMARY", "ip_address": "35.0.0.%d" % (10 + i)}] if open_ else
                                [{"type": "PRIVATE", "ip_address": "10.20.0.%d" % (10 + i)}],
                "instance_type": "CLOUD_SQL_INSTANCE",
                "connection_name": "%s:%s:%s" % (GCP_PROJECT, region, sname),
                "create_time": ts(NOW - 400 * DAY),
            }))

    # Service account keys: user-managed keys, half older than 90 days.
    for i in range(c["onus.gcp.iam.ServiceAccountKey"]):
        sa = ["etl", "ci", "looker", "backup"][i % 4]
        kid = "%040x" % (0xfeed0000 + i)
        kname = "projects/%s/serviceAccounts/%s@%s.iam.gserviceaccount.com/keys/%s" % (
            GCP_PROJECT, sa, GCP_PROJECT, kid)
        system = i % 4 == 3
        add("//iam.googleapis.com/" + kname, "onus.gcp.iam.ServiceAccountKey", "GCP", acct, "global", {},
            gcp_asset("//iam.googleapis.com/" + kname, "iam.googleapis.com/ServiceAccountKey",
                      "ServiceAccountKey", "global", {
                          "name": kname,
                          "private_key_type": "TYPE_GOOGLE_CREDENTIALS_FILE",
                          "key_algorithm": "KEY_ALG_RSA_2048",
                          "valid_after_time": ts(NOW - (30 if i % 2 else 200 + i) * DAY),
                          "valid_before_time": ts(NOW + (3000 if not system else 700) * DAY),
                          "key_origin": "GOOGLE_PROVIDED",
                          "key_type": "SYSTEM_MANAGED" if system else "USER_MANAGED",
                          "disabled": i == 5,
                      }, parent="//iam.googleapis.com/projects/%s/serviceAccounts/%s" % (GCP_PROJECT, sa)))

    # KMS keys: rotation period 90 days, 365 days, or none.
    for i in range(c["onus.gcp.kms.CryptoKey"]):
        kname = "projects/%s/locations/europe/keyRings/data/cryptoKeys/key-%02d" % (GCP_PROJECT, i)
        period = [90, 365, None][i % 3]
        add("//cloudkms.googleapis.com/" + kname, "onus.gcp.kms.CryptoKey", "GCP", acct, "europe", {},
            gcp_asset("//cloudkms.googleapis.com/" + kname, "cloudkms.googleapis.com/CryptoKey",
                      "CryptoKey", "europe", {
                          "name": kname,
                          "primary": {"name": kname + "/cryptoKeyVersions/1", "state": "ENABLED",
                                      "create_time": ts(NOW - 60 * DAY),
                                      "algorithm": "GOOGLE_SYMMETRIC_ENCRYPTION",
                                      "protection_level": "HSM" if i % 2 else "SOFTWARE"},
                          "purpose": "ENCRYPT_DECRYPT",
                          "create_time": ts(NOW - 600 * DAY),
                          "next_rotation_time": ts(NOW + 30 * DAY) if period else None,
                          "rotation_period": {"seconds": period * DAY} if period else None,
                          "version_template": {"protection_level": "HSM" if i % 2 else "SOFTWARE",
                                               "algorithm": "GOOGLE_SYMMETRIC_ENCRYPTION"},
                      }, iam={"version": 1, "bindings": [
                          {"role": "roles/cloudkms.cryptoKeyEncrypterDecrypter",
                           "members": ["allAuthenticatedUsers"] if i == 4 else
                                      ["serviceAccount:etl@%s.iam.gserviceaccount.com" % GCP_PROJECT]}]},
                      parent="//cloudkms.googleapis.com/projects/%s/locations/europe/keyRings/data" % GCP_PROJECT))


def az_id(rg, provider, kind, name):
    return "/subscriptions/%s/resourceGroups/%s/providers/%s/%s/%s" % (AZ_SUB, rg, provider, kind, name)


def gen_azure():
    acct = AZ_SUB
    c = COUNTS[acct]
    regions = ["westeurope", "northeurope"]
    workspace = az_id("rg-sec", "Microsoft.OperationalInsights", "workspaces", "acme-law")

    # Storage accounts: every 2nd allows HTTP, every 3rd allows public blob
    # access, every 4th still accepts TLS 1.0, every 2nd is open to all
    # networks.
    for i in range(c["onus.azure.storage.StorageAccount"]):
        name = "acmestore%02d" % i
        rid = az_id("rg-data", "Microsoft.Storage", "storageAccounts", name)
        loc = regions[i % 2]
        add(rid, "onus.azure.storage.StorageAccount", "AZURE", acct, loc, {"env": "prod"}, {
            "id": rid, "name": name, "type": "Microsoft.Storage/storageAccounts", "location": loc,
            "tags": Map({"env": "prod"}), "kind": "StorageV2",
            "sku": {"name": "Standard_GRS" if i % 2 else "Standard_LRS", "tier": "Standard"},
            "properties": {
                "provisioning_state": "Succeeded",
                "creation_time": ts(NOW - (300 + i) * DAY),
                "primary_endpoints": {"blob": "https://%s.blob.core.windows.net/" % name},
                "supports_https_traffic_only": i % 2 == 0,
                "minimum_tls_version": "TLS1_0" if i % 4 == 3 else "TLS1_2",
                "allow_blob_public_access": i % 3 == 1,
                "allow_shared_key_access": i % 2 == 0,
                "public_network_access": "Enabled",
                "network_acls": {"bypass": "AzureServices",
                                 "default_action": "Allow" if i % 2 else "Deny",
                                 "ip_rules": [] if i % 2 else [{"value": "203.0.113.0/24", "action": "Allow"}]},
                "encryption": {"key_source": "Microsoft.Keyvault" if i % 4 == 0 else "Microsoft.Storage",
                               "require_infrastructure_encryption": i % 4 == 0,
                               "services": {"blob": {"enabled": True, "key_type": "Account"},
                                            "file": {"enabled": True, "key_type": "Account"}},
                               "key_vault_properties": {"key_name": "storage", "key_vault_uri":
                                                        "https://acme-kv-00.vault.azure.net/"} if i % 4 == 0 else None},
                "access_tier": "Hot",
            },
        })

    # NSGs: every 2nd allows RDP or SSH from "*" / "Internet".
    for i in range(c["onus.azure.network.NetworkSecurityGroup"]):
        name = "nsg-%02d" % i
        rid = az_id("rg-net", "Microsoft.Network", "networkSecurityGroups", name)
        loc = regions[i % 2]
        rules = [{"id": rid + "/securityRules/allow-https", "name": "allow-https", "properties": {
            "protocol": "Tcp", "source_port_range": "*", "destination_port_range": "443",
            "source_address_prefix": "Internet", "destination_address_prefix": "*",
            "access": "Allow", "priority": 200, "direction": "Inbound"}}]
        if i % 2 == 0:
            port = "3389" if i % 4 == 0 else "22"
            rules.append({"id": rid + "/securityRules/allow-admin", "name": "allow-admin", "properties": {
                "protocol": "Tcp", "source_port_range": "*", "destination_port_range": port,
                "source_address_prefix": "*" if i % 4 == 0 else "Internet",
                "destination_address_prefix": "*", "access": "Allow", "priority": 100,
                "direction": "Inbound"}})
        add(rid, "onus.azure.network.NetworkSecurityGroup", "AZURE", acct, loc, {}, {
            "id": rid, "name": name, "type": "Microsoft.Network/networkSecurityGroups", "location": loc,
            "properties": {"security_rules": rules, "provisioning_state": "Succeeded",
                           "resource_guid": "%08x-0000-4000-8000-%012x" % (i, i),
                           "flow_logs": [{"id": "/subscriptions/%s/resourceGroups/NetworkWatcherRG/providers/"
                                                "Microsoft.Network/networkWatchers/nw/flowLogs/%s" % (AZ_SUB, name)}]
                                        if i % 3 == 0 else []},
        })

    # Disks: platform-key only on most; every 3rd unattached; every 4th
    # exportable to any network.
    for i in range(c["onus.azure.compute.Disk"]):
        name = "disk-%02d" % i
        rid = az_id("rg-vm", "Microsoft.Compute", "disks", name)
        loc = regions[i % 2]
        attached = i % 3 != 2
        add(rid, "onus.azure.compute.Disk", "AZURE", acct, loc, {}, {
            "id": rid, "name": name, "type": "Microsoft.Compute/disks", "location": loc,
            "managed_by": az_id("rg-vm", "Microsoft.Compute", "virtualMachines", "vm-%02d" % (i // 2))
                          if attached else None,
            "sku": {"name": "Premium_LRS", "tier": "Premium"},
            "properties": {
                "os_type": "Linux" if i % 2 == 0 else None,
                "disk_size_gb": 64 * (1 + i % 3),
                "creation_data": {"create_option": "FromImage" if i % 2 == 0 else "Empty"},
                "encryption": {"type": "EncryptionAtRestWithCustomerKey" if i % 4 == 1
                               else "EncryptionAtRestWithPlatformKey",
                               "disk_encryption_set_id": az_id("rg-sec", "Microsoft.Compute", "diskEncryptionSets", "des")
                               if i % 4 == 1 else None},
                "provisioning_state": "Succeeded",
                "disk_state": "Attached" if attached else "Unattached",
                "time_created": ts(NOW - (100 + 5 * i) * DAY),
                "network_access_policy": "AllowAll" if i % 4 == 0 else "DenyAll",
                "public_network_access": "Enabled" if i % 4 == 0 else "Disabled",
            },
        })

    # SQL servers: the first is well configured; the others lack auditing,
    # accept old TLS, or allow all IPs.
    for i in range(c["onus.azure.sql.Server"]):
        name = "acme-sql-%02d" % i
        rid = az_id("rg-data", "Microsoft.Sql", "servers", name)
        loc = regions[i % 2]
        good = i == 0
        add(rid, "onus.azure.sql.Server", "AZURE", acct, loc, {}, {
            "id": rid, "name": name, "type": "Microsoft.Sql/servers", "location": loc, "kind": "v12.0",
            "properties": {"administrator_login": "sqladmin", "version": "12.0", "state": "Ready",
                           "fully_qualified_domain_name": name + ".database.windows.net",
                           "minimal_tls_version": "1.2" if i != 2 else "1.0",
                           "public_network_access": "Disabled" if good else "Enabled",
                           "administrators": {"administrator_type": "ActiveDirectory",
                                              "login": "sql-admins", "tenant_id": AZ_TENANT,
                                              "azure_ad_only_authentication": good} if i != 1 else None},
            "auditing_settings": {"id": rid + "/auditingSettings/Default", "name": "Default",
                                  "properties": {"state": "Enabled" if i != 1 else "Disabled",
                                                 "retention_days": 120 if good else 0,
                                                 "is_azure_monitor_target_enabled": good}},
            "encryption_protector": {"id": rid + "/encryptionProtector/current", "name": "current",
                                     "properties": {"server_key_type": "AzureKeyVault" if good else "ServiceManaged",
                                                    "auto_rotation_enabled": good}},
            "firewall_rules": [] if good else [{"id": rid + "/firewallRules/all", "name": "all", "properties": {
                "start_ip_address": "0.0.0.0", "end_ip_address": "255.255.255.255" if i == 2 else "0.0.0.0"}}],
            "databases": [{"id": rid + "/databases/db%d" % d, "name": "db%d" % d, "location": loc,
                           "properties": {"status": "Online"},
                           "transparent_data_encryption": {"name": "current", "properties": {
                               "state": "Disabled" if (i == 2 and d == 1) else "Enabled"}}}
                          for d in range(2)],
        })

    # Key vaults: purge protection off on odd, public network on even.
    for i in range(c["onus.azure.keyvault.Vault"]):
        name = "acme-kv-%02d" % i
        rid = az_id("rg-sec", "Microsoft.KeyVault", "vaults", name)
        loc = regions[i % 2]
        add(rid, "onus.azure.keyvault.Vault", "AZURE", acct, loc, {"owner": "security"}, {
            "id": rid, "name": name, "type": "Microsoft.KeyVault/vaults", "location": loc,
            "tags": Map({"owner": "security"}),
            "properties": {
                "tenant_id": AZ_TENANT, "sku": {"family": "A", "name": "standard"},
                "enable_soft_delete": True, "soft_delete_retention_in_days": 90,
                "enable_rbac_authorization": i % 2 == 0,
                "enable_purge_protection": i % 2 == 0,
                "vault_uri": "https://%s.vault.azure.net/" % name,
                "provisioning_state": "Succeeded",
                "public_network_access": "Enabled" if i % 2 == 0 else "Disabled",
                "network_acls": {"bypass": "AzureServices", "default_action": "Allow" if i % 2 == 0 else "Deny"},
            },
        })

    # Diagnostic settings: on the vaults and the subscription; some send
    # nothing or keep logs too briefly.
    for i in range(c["onus.azure.insights.DiagnosticSetting"]):
        if i < c["onus.azure.keyvault.Vault"]:
            parent = az_id("rg-sec", "Microsoft.KeyVault", "vaults", "acme-kv-%02d" % i)
        else:
            parent = "/subscriptions/%s" % AZ_SUB
        name = "diag-%02d" % i
        rid = parent + "/providers/microsoft.insights/diagnosticSettings/" + name
        add(rid, "onus.azure.insights.DiagnosticSetting", "AZURE", acct, "global", {}, {
            "id": rid, "name": name, "type": "Microsoft.Insights/diagnosticSettings",
            "properties": {
                "workspace_id": workspace if i % 3 != 2 else None,
                "logs": [{"category_group": "audit", "enabled": i % 3 != 2,
                          "retention_policy": {"enabled": True, "days": 365 if i % 2 == 0 else 30}}],
                "metrics": [{"category": "AllMetrics", "enabled": True}],
            },
        })


def main():
    out_path = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "snapshot.textproto")
    gen_aws(PROD)
    gen_aws(DEV)
    gen_gcp()
    gen_azure()

    out = [
        "# proto-file: onus/v1/snapshot.proto",
        "# proto-message: onus.v1.Snapshot",
        "# GENERATED by tests/data/acme/generate.py -- do not edit by hand.",
        "# Fictional company Acme: %d resources." % len(RESOURCES),
        "",
    ]
    write_fields({
        "id": "acme-2026-11-01",
        "collected_at": ts(NOW),
        "source": {"name": "acme-generate.py", "version": "1"},
        "accounts": [
            {"provider": Enum("AWS"), "id": PROD, "name": "acme-prod", "tags": Map({"env": "prod"})},
            {"provider": Enum("AWS"), "id": DEV, "name": "acme-dev", "tags": Map({"env": "dev"})},
            {"provider": Enum("GCP"), "id": GCP_PROJECT, "name": "Acme Analytics"},
            {"provider": Enum("AZURE"), "id": AZ_SUB, "name": "Acme Production"},
        ],
    }, 0, out)
    for r in RESOURCES:
        out.append("resources {")
        typed_key, payload = r["typed"]
        env = dict(r)
        del env["typed"]
        write_fields(env, 1, out)
        out.append("  typed {")
        out.append("    %s {" % typed_key)
        write_fields(payload, 3, out)
        out.append("    }")
        out.append("  }")
        out.append("}")
    with open(out_path, "w") as f:
        f.write("\n".join(out) + "\n")
    # Check the table against what was generated, so COUNTS cannot drift.
    for acct, types in COUNTS.items():
        for t, n in types.items():
            got = sum(1 for r in RESOURCES if r["account"] == acct and r["type"] == t)
            if got != n:
                sys.exit("internal error: %s %s: %d != %d" % (acct, t, got, n))
    print("wrote %s (%d resources)" % (out_path, len(RESOURCES)))


if __name__ == "__main__":
    main()
