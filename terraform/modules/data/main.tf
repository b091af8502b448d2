# Everything vigil stores: buckets (blobs port), Firestore (documents port), Pub/Sub (events port)
# and the daily drift schedule. Names follow the code: collections from shared/ports/collections.ts,
# dead-letter topics from deadLetterTopicFor() in shared/ports/events.ts.

data "google_project" "this" {
  project_id = var.project_id
}

locals {
  pubsub_agent = "serviceAccount:service-${data.google_project.this.number}@gcp-sa-pubsub.iam.gserviceaccount.com"

  # The blobs port gives a function one bucket (VIGIL_BUCKET), so the MLOps loop shares one working
  # bucket, "datasets", laid out by prefix: uploads under datasets/ and drift/, reports under
  # reports/, retrained models under models/ and base training data under training/ (kept). The
  # models bucket holds the released models (uploaded by the deploy) that the GPU server mounts;
  # results holds images the detectors store.
  buckets = {
    models = {
      versioning          = true
      noncurrent_versions = var.retention.model_versions_to_keep
      expire              = {}
    }
    datasets = {
      versioning          = true
      noncurrent_versions = null
      expire = {
        "datasets/" = var.retention.datasets_days
        "drift/"    = var.retention.datasets_days
        "reports/"  = var.retention.reports_days
      }
    }
    results = {
      versioning          = false
      noncurrent_versions = null
      expire              = { "*" = var.retention.results_days }
    }
  }

  # The queries of the prediction history (docs/ARCHITECTURE.md, documents port): listing by label
  # and client, and Firestore's exact count, which subtracts a count of expired documents.
  # Composite indexes of the queries the code makes (docs/ARCHITECTURE.md, documents port). Equality-only
  # queries (history by client token, versions by name) need none. `count` also counts the expired
  # matches (`expiresAt <= now`), so each filtered count needs its filters followed by `expiresAt`.
  composite_indexes = {
    # drift-check: predictions of one model since a time, in time order
    predictions-model-created = { collection = "predictions", fields = [["model", "ASCENDING"], ["createdAt", "ASCENDING"]] }
    # image-classifier /api/feedback/stats: counts per function, and of agreements
    feedback-function-expires         = { collection = "feedback", fields = [["function", "ASCENDING"], ["expiresAt", "ASCENDING"]] }
    feedback-function-correct-expires = { collection = "feedback", fields = [["function", "ASCENDING"], ["correct", "ASCENDING"], ["expiresAt", "ASCENDING"]] }
  }
}

# --- Cloud Storage -------------------------------------------------------------------------------

resource "google_storage_bucket" "this" {
  for_each = local.buckets

  project                     = var.project_id
  name                        = "${var.bucket_prefix}-${each.key}"
  location                    = var.region
  storage_class               = "STANDARD"
  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"
  force_destroy               = var.force_destroy
  labels                      = merge(var.labels, { "vigil-bucket" = each.key })

  versioning {
    enabled = each.value.versioning
  }

  # Objects under a prefix ("*" = the whole bucket) are deleted after so many days.
  dynamic "lifecycle_rule" {
    for_each = each.value.expire
    content {
      condition {
        age            = lifecycle_rule.value
        matches_prefix = lifecycle_rule.key == "*" ? [] : [lifecycle_rule.key]
      }
      action {
        type = "Delete"
      }
    }
  }

  # Overwritten or deleted objects of versioned buckets linger noncurrent_days (and, for models,
  # until that many newer versions exist).
  dynamic "lifecycle_rule" {
    for_each = each.value.versioning ? [each.value.noncurrent_versions] : []
    content {
      condition {
        days_since_noncurrent_time = var.retention.noncurrent_days
        num_newer_versions         = lifecycle_rule.value
      }
      action {
        type = "Delete"
      }
    }
  }
}

# Eventarc's Cloud Storage triggers publish through the project's Cloud Storage service agent.
data "google_storage_project_service_account" "this" {
  project = var.project_id
}

resource "google_project_iam_member" "storage_agent_publisher" {
  project = var.project_id
  role    = "roles/pubsub.publisher"
  member  = "serviceAccount:${data.google_storage_project_service_account.this.email_address}"
}

# --- Firestore -----------------------------------------------------------------------------------

resource "google_firestore_database" "this" {
  project                           = var.project_id
  name                              = var.firestore.database_id
  location_id                       = var.firestore.location_id
  type                              = "FIRESTORE_NATIVE"
  concurrency_mode                  = "OPTIMISTIC"
  point_in_time_recovery_enablement = var.firestore.point_in_time_recovery ? "POINT_IN_TIME_RECOVERY_ENABLED" : "POINT_IN_TIME_RECOVERY_DISABLED"
  delete_protection_state           = var.firestore.delete_protection ? "DELETE_PROTECTION_ENABLED" : "DELETE_PROTECTION_DISABLED"
  deletion_policy                   = var.firestore.delete_protection ? "ABANDON" : "DELETE"
}

resource "google_firestore_field" "ttl" {
  for_each = toset(var.ttl_collections)

  project    = var.project_id
  database   = google_firestore_database.this.name
  collection = "${var.firestore.collection_prefix}${each.value}"
  field      = "expiresAt"

  ttl_config {}
}

resource "google_firestore_index" "this" {
  for_each = local.composite_indexes

  project     = var.project_id
  database    = google_firestore_database.this.name
  collection  = "${var.firestore.collection_prefix}${each.value.collection}"
  query_scope = "COLLECTION"

  dynamic "fields" {
    for_each = each.value.fields
    content {
      field_path = fields.value[0]
      order      = fields.value[1]
    }
  }
}

# --- Pub/Sub -------------------------------------------------------------------------------------

resource "google_pubsub_topic" "this" {
  for_each = toset(var.topics)

  project                    = var.project_id
  name                       = each.value
  labels                     = var.labels
  message_retention_duration = "86400s"
}

resource "google_pubsub_topic" "dead_letter" {
  for_each = toset(var.topics)

  project = var.project_id
  name    = "${each.value}.dead-letter"
  labels  = var.labels
}

# Pub/Sub's service agent forwards undeliverable messages to the dead-letter topic.
resource "google_pubsub_topic_iam_member" "dead_letter_publisher" {
  for_each = toset(var.topics)

  project = var.project_id
  topic   = google_pubsub_topic.dead_letter[each.key].name
  role    = "roles/pubsub.publisher"
  member  = local.pubsub_agent
}

# A topic drops messages nobody subscribes to; this keeps dead letters 7 days for inspection and
# replay. It is the end of the line, so it has no dead-letter policy of its own.
resource "google_pubsub_subscription" "dead_letter_store" {
  for_each = toset(var.topics)

  project                    = var.project_id
  name                       = "${each.value}.dead-letter.store"
  topic                      = google_pubsub_topic.dead_letter[each.key].id
  labels                     = var.labels
  ack_deadline_seconds       = 60
  message_retention_duration = "604800s"
  retain_acked_messages      = false

  expiration_policy {
    ttl = ""
  }
}

# --- Cloud Scheduler -----------------------------------------------------------------------------

resource "google_cloud_scheduler_job" "drift_report" {
  project     = var.project_id
  region      = var.region
  name        = "vigil-daily-drift-report"
  description = "Publishes the daily drift check request that the drift-check function handles."
  schedule    = var.drift_schedule.cron
  time_zone   = var.drift_schedule.time_zone
  paused      = var.drift_schedule.paused

  pubsub_target {
    topic_name = google_pubsub_topic.this[var.drift_schedule.topic].id
    data       = base64encode(jsonencode({ reason = "schedule" }))
    attributes = { "vigil-source" = "cloud-scheduler" }
  }
}
