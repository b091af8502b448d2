# One vigil environment: data, secrets, every function, the GPU model server and observability.
# environments/dev and environments/prod each instantiate this module once (module "vigil") with
# their own settings; the provider and the state backend are theirs, not this module's.

locals {
  prefix = "vigil-${var.environment}"
  labels = { app = "vigil", env = var.environment }

  # Configuration every function shares (docs/CONFIGURATION.md). Secrets never appear here: they
  # reach the containers through secret_env (Secret Manager references).
  common_env = {
    VIGIL_ENV                = "production"
    VIGIL_LOG_LEVEL          = var.log_level
    GOOGLE_CLOUD_PROJECT     = var.project_id
    VIGIL_DOCUMENTS          = "firestore"
    VIGIL_FIRESTORE_DATABASE = module.data.firestore_database
    VIGIL_FIRESTORE_PREFIX   = module.data.collection_prefix
    VIGIL_BLOBS              = "gcs"
    VIGIL_EVENTS             = "pubsub"
    VIGIL_JWT_ISSUER         = var.jwt_issuer
    VIGIL_JWT_AUDIENCE       = var.jwt_audience
  }

  # Every function but auth verifies tokens against the auth function's public keys.
  verifier_env = {
    VIGIL_JWT_JWKS_URL = "${module.auth.url}/.well-known/jwks.json"
  }

  # The MLOps loop shares one working bucket (the blobs port has one per function): uploads, training
  # data, retrained models and reports, by prefix. Serving functions fetch promoted models from it.
  mlops_env = {
    VIGIL_BUCKET             = module.data.buckets.datasets
    VIGIL_MODEL_POLL_SECONDS = tostring(var.model_poll_seconds)
  }

  detector_env = {
    VIGIL_RETENTION_DAYS          = tostring(var.retention_days)
    VIGIL_FEEDBACK_RETENTION_DAYS = tostring(var.feedback_retention_days)
    VIGIL_STORE_PREDICTIONS       = tostring(var.store_predictions)
    VIGIL_CORS_ORIGINS            = join(",", var.cors_origins)
  }

  # HS256 tokens are off unless asked for; then every function gets the shared secret.
  hs256_secret = var.accept_hs256_tokens ? {
    VIGIL_JWT_SECRET = { secret = google_secret_manager_secret.this["jwt-secret"].secret_id, version = "latest" }
  } : {}

  model_server_env = var.model_server.enabled && var.model_server.hate_speech_model != null ? {
    VIGIL_MODEL_SERVER_URL         = module.model_server[0].url
    VIGIL_HATE_SPEECH_REMOTE_MODEL = var.model_server.hate_speech_model
  } : {}

  secrets = merge(
    {
      "jwt-private-key"   = "PEM private key the auth function signs tokens with (VIGIL_JWT_PRIVATE_KEY)"
      "bootstrap-api-key" = "Operator-chosen admin API key, at least 32 characters (VIGIL_BOOTSTRAP_API_KEY)"
    },
    var.accept_hs256_tokens ? { "jwt-secret" = "HS256 token secret, at least 32 characters (VIGIL_JWT_SECRET)" } : {},
  )
}

# --- Secrets (values are added with gcloud, never through Terraform state) -----------------------

resource "google_secret_manager_secret" "this" {
  for_each = local.secrets

  project   = var.project_id
  secret_id = "${local.prefix}-${each.key}"
  labels    = merge(local.labels, { purpose = each.key })
  annotations = {
    description = each.value
  }

  replication {
    auto {}
  }
}

# --- Data ----------------------------------------------------------------------------------------

module "data" {
  source = "../data"

  project_id    = var.project_id
  region        = var.region
  bucket_prefix = "${var.project_id}-${local.prefix}"
  force_destroy = !var.deletion_protection
  labels        = local.labels

  retention = {
    results_days  = var.retention_days
    datasets_days = var.feedback_retention_days
  }

  firestore = {
    database_id            = var.firestore_database_id
    location_id            = var.firestore_location
    point_in_time_recovery = var.deletion_protection
    delete_protection      = var.deletion_protection
  }

  topics = ["retrain-requests", "drift-checks"]
  drift_schedule = {
    cron  = var.drift_report_cron
    topic = "drift-checks"
  }
}

# --- HTTP functions ------------------------------------------------------------------------------

module "auth" {
  source = "../http-function"

  project_id  = var.project_id
  region      = var.region
  name        = "${local.prefix}-auth"
  entry_point = "auth"
  image       = var.image
  env         = merge(local.common_env, { VIGIL_BUCKET = module.data.buckets.results })
  secret_env = merge(local.hs256_secret, {
    VIGIL_JWT_PRIVATE_KEY   = { secret = google_secret_manager_secret.this["jwt-private-key"].secret_id, version = "latest" }
    VIGIL_BOOTSTRAP_API_KEY = { secret = google_secret_manager_secret.this["bootstrap-api-key"].secret_id, version = "latest" }
  })
  scaling             = try(var.function_scaling["auth"], {})
  invoker_members     = ["allUsers"]
  project_roles       = ["roles/datastore.user"]
  labels              = local.labels
  deletion_protection = var.deletion_protection
}

module "toxicity" {
  source = "../http-function"

  project_id          = var.project_id
  region              = var.region
  name                = "${local.prefix}-toxicity"
  entry_point         = "toxicity"
  image               = var.image
  env                 = merge(local.common_env, local.verifier_env, local.detector_env, local.mlops_env)
  secret_env          = local.hs256_secret
  scaling             = try(var.function_scaling["toxicity"], {})
  resources           = { cpu = "1", memory = "1Gi" }
  invoker_members     = ["allUsers"]
  project_roles       = ["roles/datastore.user"]
  bucket_roles        = [{ bucket = module.data.buckets.datasets, role = "roles/storage.objectViewer" }]
  labels              = local.labels
  deletion_protection = var.deletion_protection
}

module "hate_speech" {
  source = "../http-function"

  project_id          = var.project_id
  region              = var.region
  name                = "${local.prefix}-hate-speech"
  entry_point         = "hate-speech"
  image               = var.image
  env                 = merge(local.common_env, local.verifier_env, local.detector_env, local.mlops_env, local.model_server_env)
  secret_env          = local.hs256_secret
  scaling             = try(var.function_scaling["hate-speech"], {})
  resources           = { cpu = "1", memory = "1Gi" }
  invoker_members     = ["allUsers"]
  project_roles       = ["roles/datastore.user"]
  bucket_roles        = [{ bucket = module.data.buckets.datasets, role = "roles/storage.objectViewer" }]
  labels              = local.labels
  deletion_protection = var.deletion_protection
}

module "image_classifier" {
  source = "../http-function"

  project_id  = var.project_id
  region      = var.region
  name        = "${local.prefix}-image-classifier"
  entry_point = "image-classifier"
  image       = var.image
  env = merge(local.common_env, local.verifier_env, local.detector_env, {
    VIGIL_BUCKET       = module.data.buckets.results
    VIGIL_STORE_IMAGES = tostring(var.store_images)
  })
  secret_env      = local.hs256_secret
  scaling         = try(var.function_scaling["image-classifier"], {})
  resources       = { cpu = "2", memory = "2Gi" }
  invoker_members = ["allUsers"]
  project_roles   = ["roles/datastore.user"]
  bucket_roles = [
    { bucket = module.data.buckets.results, role = "roles/storage.objectUser" },
  ]
  labels              = local.labels
  deletion_protection = var.deletion_protection
}

# --- CloudEvent functions (the MLOps loop) -------------------------------------------------------

module "on_dataset_upload" {
  source = "../event-function"

  project_id  = var.project_id
  region      = var.region
  name        = "${local.prefix}-on-dataset-upload"
  entry_point = "on-dataset-upload"
  image       = var.image
  # Production start-up refuses to run without a way to verify tokens, events or not.
  env        = merge(local.common_env, local.verifier_env, local.mlops_env)
  secret_env = local.hs256_secret
  triggers = {
    datasets = { kind = "storage", bucket = module.data.buckets.datasets, path_prefix = "datasets/" }
  }
  project_roles = ["roles/datastore.user"]
  # Reads uploads, writes <upload>.validation.json beside them.
  bucket_roles = [
    { bucket = module.data.buckets.datasets, role = "roles/storage.objectUser" },
  ]
  topic_roles = [
    { topic = module.data.topics["retrain-requests"], role = "roles/pubsub.publisher" },
  ]
  labels              = local.labels
  deletion_protection = var.deletion_protection
}

module "retrain" {
  source = "../event-function"

  project_id  = var.project_id
  region      = var.region
  name        = "${local.prefix}-retrain"
  entry_point = "retrain"
  image       = var.image
  # Production start-up refuses to run without a way to verify tokens, events or not.
  env        = merge(local.common_env, local.verifier_env, local.mlops_env)
  secret_env = local.hs256_secret
  triggers = {
    requests = {
      kind              = "pubsub"
      topic             = module.data.topics["retrain-requests"]
      dead_letter_topic = module.data.dead_letter_topics["retrain-requests"]
    }
  }
  timeout_seconds = 600
  resources       = { cpu = "2", memory = "4Gi" }
  scaling         = { max_instances = 2 }
  project_roles   = ["roles/datastore.user"]
  # Reads training/ and datasets/, writes models/ and reports/.
  bucket_roles = [
    { bucket = module.data.buckets.datasets, role = "roles/storage.objectUser" },
  ]
  labels              = local.labels
  deletion_protection = var.deletion_protection
}

module "drift_check" {
  source = "../event-function"

  project_id  = var.project_id
  region      = var.region
  name        = "${local.prefix}-drift-check"
  entry_point = "drift-check"
  image       = var.image
  # Production start-up refuses to run without a way to verify tokens, events or not.
  env        = merge(local.common_env, local.verifier_env, local.mlops_env)
  secret_env = local.hs256_secret
  triggers = {
    uploads = { kind = "storage", bucket = module.data.buckets.datasets, path_prefix = "drift/" }
    daily = {
      kind              = "pubsub"
      topic             = module.data.topics["drift-checks"]
      dead_letter_topic = module.data.dead_letter_topics["drift-checks"]
    }
  }
  resources     = { cpu = "1", memory = "2Gi" }
  project_roles = ["roles/datastore.user"]
  # Reads drift/ and models/, writes reports/drift/.
  bucket_roles = [
    { bucket = module.data.buckets.datasets, role = "roles/storage.objectUser" },
  ]
  labels              = local.labels
  deletion_protection = var.deletion_protection
}

# --- GPU model server (off until the project has L4 quota; see docs/DEPLOYMENT.md) ---------------

module "model_server" {
  source = "../gpu-service"
  count  = var.model_server.enabled ? 1 : 0

  project_id    = var.project_id
  region        = var.region
  name          = "${local.prefix}-model-server"
  entry_point   = "model-server"
  image         = coalesce(var.model_server.image, var.image)
  models_bucket = module.data.buckets.models
  env           = merge(local.common_env, local.verifier_env, { VIGIL_BUCKET = module.data.buckets.models })
  project_roles = ["roles/datastore.user"]
  scaling = {
    min_instances = var.model_server.min_instances
    max_instances = var.model_server.max_instances
  }
  invoker_members = [
    module.hate_speech.service_account_member,
    module.image_classifier.service_account_member,
  ]
  labels              = local.labels
  deletion_protection = var.deletion_protection
}

# --- Observability -------------------------------------------------------------------------------

module "observability" {
  source = "../observability"

  project_id  = var.project_id
  name_prefix = local.prefix
  http_services = {
    auth               = { service_name = module.auth.service_name, url = module.auth.url }
    toxicity           = { service_name = module.toxicity.service_name, url = module.toxicity.url }
    "hate-speech"      = { service_name = module.hate_speech.service_name, url = module.hate_speech.url }
    "image-classifier" = { service_name = module.image_classifier.service_name, url = module.image_classifier.url }
  }
  alerted_services = concat(
    [
      module.auth.service_name,
      module.toxicity.service_name,
      module.hate_speech.service_name,
      module.image_classifier.service_name,
      module.on_dataset_upload.service_name,
      module.retrain.service_name,
      module.drift_check.service_name,
    ],
    module.model_server[*].service_name,
  )
  drift_service_name        = module.drift_check.service_name
  dead_letter_subscriptions = values(module.data.dead_letter_subscriptions)
  thresholds                = var.alert_thresholds
  notification_emails       = var.alert_emails
  notification_channel_ids  = var.alert_channel_ids
}
