#include "proto/schema_cases.h"

namespace onus::proto_test {

const std::vector<SchemaCase>& SchemaCases() {
  static const auto* cases = new std::vector<SchemaCase>{
      // ---------------------------------------------------------------- AWS
      {"aws/account.json", "onus.aws.Account", R"pb(
         account: "111122223333"
         account_aliases: "acme-prod"
         summary_map { account_mfa_enabled: 1 users: 7 mfa_devices_in_use: 4 }
         password_policy {
           minimum_password_length: 14
           require_symbols: true
           max_password_age: 90
           password_reuse_prevention: 24
         }
         root_credential_report {
           user: "<root_account>"
           password_enabled: "not_supported"
           mfa_active: true
           access_key_1_active: false
           access_key_1_last_rotated: "N/A"
         }
         alternate_contacts {
           alternate_contact_type: "SECURITY"
           email_address: "security@acme.example"
         }
       )pb"},
      {"aws/iam_user.json", "onus.aws.iam.User", R"pb(
         user_name: "alice"
         arn: "arn:aws:iam::111122223333:user/alice"
         create_date { seconds: 1618216200 }
         tags { key: "team" value: "platform" }
         attached_policies {
           policy_name: "ReadOnlyAccess"
           policy_arn: "arn:aws:iam::aws:policy/ReadOnlyAccess"
         }
         groups { group_name: "engineers" }
         access_key_metadata {
           access_key_id: "AKIAEXAMPLEALICE0001"
           status: "Active"
         }
         mfa_devices { serial_number: "arn:aws:iam::111122223333:mfa/alice" }
         credential_report {
           password_enabled: "true"
           mfa_active: true
           access_key_1_active: true
           access_key_1_last_rotated: "2024-09-01T12:00:00+00:00"
           access_key_1_last_used_service: "s3"
           access_key_2_active: false
         }
       )pb"},
      {"aws/iam_role.json", "onus.aws.iam.Role", R"pb(
         role_name: "lambda-orders-exec"
         path: "/service-role/"
         assume_role_policy_document: "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"Service\":\"lambda.amazonaws.com\"},\"Action\":\"sts:AssumeRole\"}]}"
         max_session_duration: 3600
         role_last_used { region: "us-east-1" }
         policy_names: "orders-table-access"
       )pb"},
      {"aws/iam_policy.json", "onus.aws.iam.Policy", R"pb(
         policy_name: "acme-admin"
         default_version_id: "v3"
         attachment_count: 2
         is_attachable: true
         update_date { seconds: 1689426855 }
         policy_version {
           document: "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"*\",\"Resource\":\"*\"}]}"
           is_default_version: true
         }
       )pb"},
      {"aws/s3_bucket.json", "onus.aws.s3.Bucket", R"pb(
         name: "acme-prod-logs"
         location_constraint: "eu-west-1"
         grants {
           grantee { type: "CanonicalUser" display_name: "acme-prod" }
           permission: "FULL_CONTROL"
         }
         grants {
           grantee {
             type: "Group"
             uri: "http://acs.amazonaws.com/groups/s3/LogDelivery"
           }
           permission: "WRITE"
         }
         policy_status { is_public: false }
         public_access_block_configuration {
           block_public_acls: true
           ignore_public_acls: true
           block_public_policy: true
           restrict_public_buckets: true
         }
         server_side_encryption_configuration {
           rules {
             apply_server_side_encryption_by_default {
               sse_algorithm: "aws:kms"
             }
             bucket_key_enabled: true
           }
         }
         versioning { status: "Enabled" mfa_delete: "Disabled" }
         logging_enabled { target_bucket: "acme-audit-logs" }
         tag_set { key: "env" value: "prod" }
         tag_set { key: "owner" value: "sre" }
       )pb"},
      {"aws/ec2_security_group.json", "onus.aws.ec2.SecurityGroup", R"pb(
         group_id: "sg-0123456789abcdef0"
         group_name: "web-sg"
         vpc_id: "vpc-0a1b2c3d4e5f60001"
         ip_permissions {
           from_port: 443
           to_port: 443
           ip_protocol: "tcp"
           ip_ranges { cidr_ip: "0.0.0.0/0" description: "HTTPS from anywhere" }
           ipv6_ranges { cidr_ipv6: "::/0" }
         }
         ip_permissions {
           from_port: 22
           to_port: 22
           ip_protocol: "tcp"
           prefix_list_ids { prefix_list_id: "pl-0123456789abcdef0" }
           user_id_group_pairs { group_id: "sg-0bastion000000001" }
         }
         ip_permissions_egress {
           ip_protocol: "-1"
           ip_ranges { cidr_ip: "0.0.0.0/0" }
         }
       )pb"},
      {"aws/ec2_instance.json", "onus.aws.ec2.Instance", R"pb(
         instance_id: "i-0123456789abcdef0"
         image_id: "ami-0abcdef1234567890"
         public_ip_address: "54.0.0.10"
         state { code: 16 name: "running" }
         launch_time { seconds: 1727762400 }
         iam_instance_profile {
           arn: "arn:aws:iam::111122223333:instance-profile/web"
         }
         metadata_options {
           http_tokens: "optional"
           http_endpoint: "enabled"
           http_put_response_hop_limit: 1
         }
         tags { key: "Name" value: "web-1" }
         block_device_mappings { ebs { volume_id: "vol-0123456789abcdef0" } }
       )pb"},
      {"aws/ec2_volume.json", "onus.aws.ec2.Volume", R"pb(
         volume_id: "vol-0123456789abcdef0"
         encrypted: false
         size: 30
         state: "in-use"
         create_time { seconds: 1727762400 nanos: 123000000 }
         attachments { instance_id: "i-0123456789abcdef0" }
       )pb"},
      {"aws/ec2_snapshot.json", "onus.aws.ec2.Snapshot", R"pb(
         snapshot_id: "snap-0fedcba9876543210"
         encrypted: true
         volume_size: 100
         create_volume_permissions { group: "all" }
       )pb"},
      {"aws/ec2_vpc.json", "onus.aws.ec2.Vpc", R"pb(
         vpc_id: "vpc-0a1b2c3d4e5f60001"
         is_default: false
         flow_logs {
           flow_log_status: "ACTIVE"
           traffic_type: "ALL"
           max_aggregation_interval: 600
         }
       )pb"},
      {"aws/cloudtrail_trail.json", "onus.aws.cloudtrail.Trail", R"pb(
         name: "org-trail"
         is_multi_region_trail: true
         log_file_validation_enabled: true
         trail_arn: "arn:aws:cloudtrail:us-east-1:111122223333:trail/org-trail"
         is_logging: true
         latest_delivery_time { seconds: 1732319940 nanos: 123000000 }
         event_selectors {
           read_write_type: "All"
           include_management_events: true
           data_resources { type: "AWS::S3::Object" values: "arn:aws:s3" }
         }
       )pb"},
      {"aws/kms_key.json", "onus.aws.kms.Key", R"pb(
         key_id: "1234abcd-12ab-34cd-56ef-1234567890ab"
         key_state: "Enabled"
         key_manager: "CUSTOMER"
         key_rotation_enabled: false
         tags { tag_key: "purpose" tag_value: "audit" }
       )pb"},
      {"aws/rds_db_instance.json", "onus.aws.rds.DBInstance", R"pb(
         db_instance_identifier: "orders-db"
         storage_encrypted: true
         publicly_accessible: false
         backup_retention_period: 7
         multi_az: true
         auto_minor_version_upgrade: true
         deletion_protection: true
         endpoint { port: 5432 }
         tag_list { key: "app" value: "orders" }
       )pb"},
      {"aws/lambda_function.json", "onus.aws.lambda.Function", R"pb(
         function_name: "orders-api"
         runtime: "python3.8"
         role: "arn:aws:iam::111122223333:role/service-role/lambda-orders-exec"
         last_modified: "2024-11-01T10:00:00.000+0000"
         vpc_config { vpc_id: "vpc-0a1b2c3d4e5f60001" }
         environment { variables { key: "DB_PASSWORD" value: "hunter2" } }
         function_url_configs { auth_type: "NONE" }
         tags { key: "app" value: "orders" }
       )pb"},
      {"aws/logs_log_group.json", "onus.aws.logs.LogGroup", R"pb(
         log_group_name: "/aws/lambda/orders-api"
         creation_time: 1704067200000
         retention_in_days: 30
         stored_bytes: 123456789
       )pb"},
      {"aws/logs_metric_filter.json", "onus.aws.logs.MetricFilter", R"pb(
         filter_name: "root-usage"
         log_group_name: "cloudtrail"
         metric_transformations {
           metric_name: "RootAccountUsage"
           metric_namespace: "CISBenchmark"
           metric_value: "1"
         }
       )pb"},
      {"aws/cloudwatch_metric_alarm.json", "onus.aws.cloudwatch.MetricAlarm",
       R"pb(
         alarm_name: "root-usage"
         metric_name: "RootAccountUsage"
         namespace: "CISBenchmark"
         alarm_actions: "arn:aws:sns:us-east-1:111122223333:security-alerts"
         threshold: 1
         period: 300
       )pb"},
      {"aws/sns_subscription.json", "onus.aws.sns.Subscription", R"pb(
         protocol: "email"
         endpoint: "secops@acme.example"
         topic_arn: "arn:aws:sns:us-east-1:111122223333:security-alerts"
       )pb"},
      {"aws/guardduty_detector.json", "onus.aws.guardduty.Detector", R"pb(
         detector_id: "12abc34d567e8fa901bc2d34e56789f0"
         status: "ENABLED"
         data_sources { s3_logs { status: "DISABLED" } }
         tags { key: "owner" value: "security" }
         features { name: "S3_DATA_EVENTS" status: "DISABLED" }
       )pb"},
      {"aws/config_recorder.json", "onus.aws.config.ConfigurationRecorder",
       R"pb(
         name: "default"
         recording_group {
           all_supported: true
           include_global_resource_types: true
         }
         status { recording: true last_status: "Success" }
       )pb"},
      // ---------------------------------------------------------------- GCP
      {"gcp/storage_bucket.json", "onus.gcp.storage.Bucket", R"pb(
         name: "//storage.googleapis.com/acme-analytics-exports"
         asset_type: "storage.googleapis.com/Bucket"
         resource {
           location: "eu"
           data {
             name: "acme-analytics-exports"
             project_number: 123456789012
             self_link: "https://www.googleapis.com/storage/v1/b/acme-analytics-exports"
             versioning { enabled: false }
             iam_configuration {
               uniform_bucket_level_access { enabled: false }
               public_access_prevention: "inherited"
             }
             labels { key: "team" value: "analytics" }
           }
         }
         iam_policy {
           bindings { role: "roles/storage.objectViewer" members: "allUsers" }
           bindings {
             role: "roles/storage.admin"
             members: "group:data-eng@acme.example"
           }
         }
         update_time { seconds: 1704103200 nanos: 123456000 }
       )pb"},
      {"gcp/compute_firewall.json", "onus.gcp.compute.Firewall", R"pb(
         resource {
           data {
             name: "allow-ssh"
             direction: "INGRESS"
             priority: 1000
             source_ranges: "0.0.0.0/0"
             allowed { ip_protocol: "tcp" ports: "22" }
             log_config { enable: false }
             creation_timestamp { seconds: 1625155200 }
           }
         }
       )pb"},
      {"gcp/compute_instance.json", "onus.gcp.compute.Instance", R"pb(
         resource {
           data {
             name: "etl-1"
             status: "RUNNING"
             network_interfaces { access_configs { nat_ip: "34.76.0.5" } }
             metadata {
               items { key: "enable-oslogin" value: "FALSE" }
               items { key: "serial-port-enable" value: "true" }
             }
             service_accounts {
               email: "123456789012-compute@developer.gserviceaccount.com"
               scopes: "https://www.googleapis.com/auth/cloud-platform"
             }
             shielded_instance_config {
               enable_secure_boot: false
               enable_vtpm: true
             }
           }
         }
       )pb"},
      {"gcp/sql_instance.json", "onus.gcp.sql.Instance", R"pb(
         asset_type: "sqladmin.googleapis.com/Instance"
         resource {
           data {
             name: "reporting"
             database_version: "POSTGRES_15"
             settings {
               ip_configuration {
                 ipv4_enabled: true
                 require_ssl: false
                 authorized_networks { value: "0.0.0.0/0" }
               }
               backup_configuration { enabled: true }
               database_flags { name: "log_connections" value: "on" }
               data_disk_size_gb: 100
             }
             ip_addresses { type: "PRIMARY" ip_address: "35.0.0.9" }
           }
         }
       )pb"},
      {"gcp/iam_service_account_key.json", "onus.gcp.iam.ServiceAccountKey",
       R"pb(
         resource {
           data {
             key_type: "USER_MANAGED"
             key_origin: "GOOGLE_PROVIDED"
             valid_after_time { seconds: 1640995200 }
           }
         }
       )pb"},
      {"gcp/kms_crypto_key.json", "onus.gcp.kms.CryptoKey", R"pb(
         resource {
           data {
             purpose: "ENCRYPT_DECRYPT"
             rotation_period { seconds: 7776000 }
             primary {
               state: "ENABLED"
               create_time { seconds: 1722470400 nanos: 1 }
             }
             version_template { protection_level: "SOFTWARE" }
           }
         }
       )pb"},
      {"gcp/resourcemanager_project.json", "onus.gcp.resourcemanager.Project",
       R"pb(
         resource {
           data {
             project_id: "acme-analytics"
             project_number: 123456789012
             lifecycle_state: "ACTIVE"
             parent { type: "organization" id: "987654321098" }
           }
         }
         iam_policy {
           audit_configs {
             service: "allServices"
             audit_log_configs { log_type: "ADMIN_READ" }
             audit_log_configs { log_type: "DATA_WRITE" }
             audit_log_configs {
               log_type: "DATA_READ"
               exempted_members: "user:cto@acme.example"
             }
           }
         }
       )pb"},
      // -------------------------------------------------------------- Azure
      {"azure/storage_account.json", "onus.azure.storage.StorageAccount",
       R"pb(
         name: "acmedatalake"
         location: "westeurope"
         kind: "StorageV2"
         sku { name: "Standard_GRS" }
         tags { key: "env" value: "prod" }
         properties {
           supports_https_traffic_only: false
           minimum_tls_version: "TLS1_0"
           allow_blob_public_access: true
           network_acls { default_action: "Allow" }
           encryption {
             key_source: "Microsoft.Storage"
             services { blob { enabled: true } }
           }
           creation_time { seconds: 1620191105 nanos: 555555500 }
         }
       )pb"},
      {"azure/network_security_group.json",
       "onus.azure.network.NetworkSecurityGroup", R"pb(
         name: "nsg-web"
         properties {
           security_rules {
             name: "allow-rdp"
             properties {
               protocol: "Tcp"
               destination_port_range: "3389"
               source_address_prefix: "*"
               access: "Allow"
               direction: "Inbound"
               priority: 100
             }
           }
           default_security_rules { name: "DenyAllInBound" }
         }
       )pb"},
      {"azure/compute_disk.json", "onus.azure.compute.Disk", R"pb(
         name: "web-1-os"
         zones: "1"
         properties {
           os_type: "Linux"
           disk_size_gb: 30
           encryption { type: "EncryptionAtRestWithPlatformKey" }
           network_access_policy: "AllowAll"
           disk_state: "Attached"
         }
       )pb"},
      {"azure/sql_server.json", "onus.azure.sql.Server", R"pb(
         name: "acme-sql"
         properties {
           minimal_tls_version: "1.0"
           public_network_access: "Enabled"
         }
         auditing_settings { properties { state: "Disabled" } }
         encryption_protector {
           properties { server_key_type: "ServiceManaged" }
         }
         firewall_rules {
           name: "all"
           properties {
             start_ip_address: "0.0.0.0"
             end_ip_address: "255.255.255.255"
           }
         }
         databases {
           name: "crm"
           transparent_data_encryption { properties { state: "Enabled" } }
         }
       )pb"},
      {"azure/keyvault_vault.json", "onus.azure.keyvault.Vault", R"pb(
         name: "acme-kv"
         properties {
           enable_soft_delete: true
           enable_purge_protection: true
           soft_delete_retention_in_days: 90
           network_acls {
             default_action: "Deny"
             ip_rules { value: "203.0.113.0/24" }
           }
           access_policies { permissions { keys: "get" keys: "list" } }
         }
       )pb"},
      {"azure/insights_diagnostic_setting.json",
       "onus.azure.insights.DiagnosticSetting", R"pb(
         name: "to-law"
         properties {
           workspace_id: "/subscriptions/00000000-1111-2222-3333-444444444444/resourceGroups/rg-sec/providers/Microsoft.OperationalInsights/workspaces/acme-law"
           logs {
             category_group: "audit"
             enabled: true
             retention_policy { enabled: true days: 365 }
           }
           logs {
             category: "AzurePolicyEvaluationDetails"
             enabled: false
             retention_policy { enabled: false }
           }
         }
       )pb"},
  };
  return *cases;
}

}  // namespace onus::proto_test
