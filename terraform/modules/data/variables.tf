variable "project_id" {
  description = "Google Cloud project that holds the data."
  type        = string
}

variable "region" {
  description = "Region of the buckets (the same as the functions, which Eventarc Cloud Storage triggers require) and of the scheduler job."
  type        = string
}

variable "bucket_prefix" {
  description = "Prefix of the globally unique bucket names: <prefix>-models, -datasets (the MLOps working bucket), -results."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9-]{2,50}$", var.bucket_prefix))
    error_message = "bucket_prefix must be 3-51 lowercase letters, digits or hyphens."
  }
}

variable "retention" {
  description = "Days objects live: results (VIGIL_RETENTION_DAYS), uploads under datasets/ and drift/ (VIGIL_FEEDBACK_RETENTION_DAYS), reports/; days and count of noncurrent versions kept."
  type = object({
    results_days           = optional(number, 30)
    datasets_days          = optional(number, 365)
    reports_days           = optional(number, 365)
    noncurrent_days        = optional(number, 30)
    model_versions_to_keep = optional(number, 5)
  })
  default = {}

  validation {
    condition = alltrue([
      for days in [var.retention.results_days, var.retention.datasets_days, var.retention.reports_days, var.retention.noncurrent_days] :
      days >= 1 && days <= 3650
    ])
    error_message = "Retention days must be between 1 and 3650."
  }

  validation {
    condition     = var.retention.model_versions_to_keep >= 1
    error_message = "Keep at least one noncurrent model version."
  }
}

variable "force_destroy" {
  description = "Let terraform destroy delete non-empty buckets (dev only)."
  type        = bool
  default     = false
}

variable "firestore" {
  description = "Firestore (native mode) database: id passed to functions as VIGIL_FIRESTORE_DATABASE, location, and protection."
  type = object({
    database_id            = optional(string, "(default)")
    location_id            = string
    collection_prefix      = optional(string, "")
    point_in_time_recovery = optional(bool, false)
    delete_protection      = optional(bool, true)
  })

  validation {
    condition     = var.firestore.database_id == "(default)" || can(regex("^[a-z][a-z0-9-]{3,62}$", var.firestore.database_id))
    error_message = "firestore.database_id must be (default) or 4-63 lowercase letters, digits and hyphens."
  }

  validation {
    condition     = can(regex("^[a-z0-9_]*$", var.firestore.collection_prefix))
    error_message = "firestore.collection_prefix must match VIGIL_FIRESTORE_PREFIX's rule: lowercase letters, digits, underscores."
  }
}

variable "ttl_collections" {
  description = "Collections (shared/ports/collections.ts) whose documents carry expiresAt and get a Firestore TTL policy on it."
  type        = list(string)
  default     = ["predictions", "feedback", "processedEvents"]

  validation {
    condition     = alltrue([for c in var.ttl_collections : contains(["apiKeys", "users", "predictions", "feedback", "modelRegistry", "driftReports", "processedEvents"], c)])
    error_message = "ttl_collections must name collections from shared/ports/collections.ts."
  }
}

variable "topics" {
  description = "Pub/Sub topics of the events port; each gets <topic>.dead-letter and a subscription that keeps dead letters for inspection."
  type        = list(string)
  default     = ["retrain-requests", "drift-checks"]

  validation {
    condition     = alltrue([for t in var.topics : can(regex("^[A-Za-z][A-Za-z0-9._~%+-]{2,240}$", t)) && !endswith(t, ".dead-letter")])
    error_message = "topics must be valid Pub/Sub names and not dead-letter topics themselves."
  }
}

variable "drift_schedule" {
  description = "Daily drift report: cron schedule, time zone, and the topic the scheduler publishes to (one of topics)."
  type = object({
    cron      = optional(string, "0 5 * * *")
    time_zone = optional(string, "Etc/UTC")
    topic     = optional(string, "drift-checks")
    paused    = optional(bool, false)
  })
  default = {}

  validation {
    condition     = length(split(" ", var.drift_schedule.cron)) == 5
    error_message = "drift_schedule.cron must have five fields."
  }
}

variable "labels" {
  description = "Labels on buckets, topics and subscriptions."
  type        = map(string)
  default     = {}
}
