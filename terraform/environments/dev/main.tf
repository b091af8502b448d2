# The dev environment: the whole of vigil (terraform/modules/stack) with dev's settings.
# dev: scales to zero, logs at DEBUG, relaxed latency alerts, nothing protected from destroy.
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

  # What makes this dev (see modules/stack/variables.tf for every other setting and its default).
  environment         = "dev"
  log_level           = "DEBUG"
  deletion_protection = false
  alert_thresholds    = { p95_latency_ms = 2000, duration_seconds = 600 }
  function_scaling    = {} # every HTTP function scales to zero
}
