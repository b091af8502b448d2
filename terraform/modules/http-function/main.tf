# One vigil function as a Cloud Run (v2) service running the shared vigil image.
#
# Why a service and not google_cloudfunctions2_function: one image serves every function, the lean
# server (node dist/server/serve.js <name>) answers malformed JSON with vigil's error envelope and
# is faster than the Functions Framework (docs/ARCHITECTURE.md), and the GPU model server needs a
# Cloud Run service anyway. Cloud Run functions are Cloud Run services underneath.

locals {
  args = var.args != null ? var.args : ["dist/server/serve.js", var.entry_point]
}

resource "google_service_account" "this" {
  project      = var.project_id
  account_id   = var.name
  display_name = "vigil ${var.entry_point}"
  description  = "Runs the ${var.entry_point} function (${var.name}); roles listed in docs/DEPLOYMENT.md."
}

resource "google_project_iam_member" "this" {
  for_each = toset(var.project_roles)

  project = var.project_id
  role    = each.value
  member  = google_service_account.this.member
}

resource "google_storage_bucket_iam_member" "this" {
  for_each = { for b in var.bucket_roles : "${b.bucket}/${b.role}" => b }

  bucket = each.value.bucket
  role   = each.value.role
  member = google_service_account.this.member
}

resource "google_pubsub_topic_iam_member" "this" {
  for_each = { for t in var.topic_roles : "${t.topic}/${t.role}" => t }

  project = var.project_id
  topic   = each.value.topic
  role    = each.value.role
  member  = google_service_account.this.member
}

resource "google_secret_manager_secret_iam_member" "this" {
  for_each = var.secret_env

  project   = var.project_id
  secret_id = each.value.secret
  role      = "roles/secretmanager.secretAccessor"
  member    = google_service_account.this.member
}

# GCS V4 signed URLs are signed through the IAM signBlob API with the function's own identity.
resource "google_service_account_iam_member" "sign_urls" {
  count = var.sign_urls ? 1 : 0

  service_account_id = google_service_account.this.name
  role               = "roles/iam.serviceAccountTokenCreator"
  member             = google_service_account.this.member
}

resource "google_cloud_run_v2_service" "this" {
  project             = var.project_id
  name                = var.name
  location            = var.region
  ingress             = var.ingress
  deletion_protection = var.deletion_protection
  labels              = merge(var.labels, { "vigil-function" = var.entry_point })

  template {
    service_account                  = google_service_account.this.email
    timeout                          = "${var.timeout_seconds}s"
    max_instance_request_concurrency = var.scaling.concurrency

    scaling {
      min_instance_count = var.scaling.min_instances
      max_instance_count = var.scaling.max_instances
    }

    containers {
      image   = var.image
      command = ["node"]
      args    = local.args

      resources {
        limits = {
          cpu    = var.resources.cpu
          memory = var.resources.memory
        }
        cpu_idle          = var.resources.cpu_idle
        startup_cpu_boost = var.resources.startup_cpu_boost
      }

      dynamic "env" {
        for_each = var.env
        content {
          name  = env.key
          value = env.value
        }
      }

      dynamic "env" {
        for_each = var.secret_env
        content {
          name = env.key
          value_source {
            secret_key_ref {
              secret  = env.value.secret
              version = env.value.version
            }
          }
        }
      }

      dynamic "startup_probe" {
        for_each = var.health_path == null ? [] : [var.health_path]
        content {
          period_seconds    = 2
          failure_threshold = 30
          http_get {
            path = startup_probe.value
          }
        }
      }

      dynamic "liveness_probe" {
        for_each = var.health_path == null ? [] : [var.health_path]
        content {
          period_seconds = 30
          http_get {
            path = liveness_probe.value
          }
        }
      }
    }
  }

  # A revision must be able to read its secrets when it starts.
  depends_on = [google_secret_manager_secret_iam_member.this]
}

# Keyed by position: members such as another function's service account are unknown until applied.
resource "google_cloud_run_v2_service_iam_member" "invoker" {
  for_each = { for i, member in var.invoker_members : tostring(i) => member }

  project  = var.project_id
  location = var.region
  name     = google_cloud_run_v2_service.this.name
  role     = "roles/run.invoker"
  member   = each.value
}
