# The prod environment: the whole of vigil (terraform/modules/stack) with prod's settings.
# prod: warm auth and text detectors, logs at INFO, tight latency alerts, deletion protection.
# The state backend is in versions.tf; what an operator sets per project is in variables.tf.

provider "google" {
  project = var.project_id
  region  = var.region
}

module "vigil" {
  source = "../../modules/stack"

  project_id            = var.project_id
  region                = var.region
  image                 = var.image
  firestore_database_id = var.firestore_database_id
  firestore_location    = var.firestore_location
  cors_origins          = var.cors_origins
  model_server          = var.model_server
  alert_emails          = var.alert_emails
  alert_channel_ids     = var.alert_channel_ids

  # What makes this prod (see modules/stack/variables.tf for every other setting and its default).
  environment         = "prod"
  log_level           = "INFO"
  deletion_protection = true
  alert_thresholds    = { p95_latency_ms = 1000, duration_seconds = 300 }
  function_scaling = {
    auth          = { min_instances = 1, max_instances = 20 }
    toxicity      = { min_instances = 1, max_instances = 50 }
    "hate-speech" = { min_instances = 1, max_instances = 50 }
  }
}
