# The GPU model server: a Cloud Run service with one NVIDIA L4 serving heavy ONNX models (CLIP, BERT)
# over Open Inference Protocol V2. CPU stays allocated (cpu_idle = false, which GPU services
# require) and models are read from the models bucket through a read-only Cloud Storage volume.

resource "google_service_account" "this" {
  project      = var.project_id
  account_id   = var.name
  display_name = "vigil ${var.entry_point}"
  description  = "Runs the GPU model server (${var.name}); roles listed in docs/DEPLOYMENT.md."
}

resource "google_project_iam_member" "this" {
  for_each = toset(var.project_roles)

  project = var.project_id
  role    = each.value
  member  = google_service_account.this.member
}

resource "google_storage_bucket_iam_member" "models_reader" {
  bucket = var.models_bucket
  role   = "roles/storage.objectViewer"
  member = google_service_account.this.member
}

resource "google_cloud_run_v2_service" "this" {
  project             = var.project_id
  name                = var.name
  location            = var.region
  ingress             = "INGRESS_TRAFFIC_ALL"
  deletion_protection = var.deletion_protection
  labels              = merge(var.labels, { "vigil-function" = var.entry_point })

  template {
    service_account                  = google_service_account.this.email
    timeout                          = "${var.timeout_seconds}s"
    max_instance_request_concurrency = var.scaling.concurrency
    gpu_zonal_redundancy_disabled    = !var.gpu.zonal_redundancy_enabled

    scaling {
      min_instance_count = var.scaling.min_instances
      max_instance_count = var.scaling.max_instances
    }

    node_selector {
      accelerator = var.gpu.type
    }

    containers {
      image   = var.image
      command = ["node"]
      args    = ["dist/server/serve.js", var.entry_point]

      resources {
        limits = {
          cpu              = var.resources.cpu
          memory           = var.resources.memory
          "nvidia.com/gpu" = tostring(var.gpu.count)
        }
        cpu_idle          = false
        startup_cpu_boost = true
      }

      dynamic "env" {
        for_each = merge(var.env, { VIGIL_MODELS_DIR = var.models_mount_path })
        content {
          name  = env.key
          value = env.value
        }
      }

      volume_mounts {
        name       = "models"
        mount_path = var.models_mount_path
      }

      # Loading large models onto the GPU takes a while; allow four minutes before giving up.
      startup_probe {
        period_seconds    = 10
        failure_threshold = 24
        http_get {
          path = "/v2/health/ready"
        }
      }

      liveness_probe {
        period_seconds = 30
        http_get {
          path = "/v2/health/live"
        }
      }
    }

    volumes {
      name = "models"
      gcs {
        bucket    = var.models_bucket
        read_only = true
      }
    }
  }

  depends_on = [google_storage_bucket_iam_member.models_reader]
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
