variable "project_id" {
  description = "Google Cloud project that hosts the function."
  type        = string
}

variable "region" {
  description = "Cloud Run and Eventarc region; trigger buckets must be in this region."
  type        = string
}

variable "name" {
  description = "Cloud Run service name; also the service account id (6 to 30 characters). The trigger service account is <name, cut to 26>-evt."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{4,28}[a-z0-9]$", var.name))
    error_message = "name must be 6-30 characters of lowercase letters, digits and hyphens, starting with a letter."
  }
}

variable "entry_point" {
  description = "CloudEvent function the Functions Framework serves: functions.cloudEvent('<entry_point>', ...) in functions/<entry_point>/index.ts."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]*$", var.entry_point))
    error_message = "entry_point must be a kebab-case vigil function name."
  }
}

variable "image" {
  description = "Container image built from terraform/container/Dockerfile, pinned by tag or digest."
  type        = string

  validation {
    condition     = can(regex("^[^\\s]+[:@][^\\s]+$", var.image))
    error_message = "image must carry a tag or a digest."
  }
}

variable "triggers" {
  description = <<-EOT
    Events that invoke the function, by key. kind = "storage": Cloud Storage object finalized in
    bucket (Eventarc; Eventarc filters by bucket only, so the function itself skips objects outside
    path_prefix). kind = "pubsub": messages on topic, through a push subscription whose dead-letter
    topic is dead_letter_topic (default <topic>.dead-letter, as the events port names it).
  EOT
  type = map(object({
    kind              = string
    bucket            = optional(string)
    path_prefix       = optional(string, "")
    topic             = optional(string)
    dead_letter_topic = optional(string)
  }))

  validation {
    condition     = length(var.triggers) > 0
    error_message = "An event function needs at least one trigger."
  }

  validation {
    condition = alltrue([
      for t in values(var.triggers) :
      (t.kind == "storage" && t.bucket != null && t.topic == null) || (t.kind == "pubsub" && t.topic != null && t.bucket == null)
    ])
    error_message = "Each trigger is either { kind = \"storage\", bucket } or { kind = \"pubsub\", topic }."
  }

  validation {
    condition     = alltrue([for t in values(var.triggers) : t.topic == null || can(regex("^[A-Za-z][A-Za-z0-9._~%+-]{2,254}$", t.topic))])
    error_message = "topic must be a topic name (not a projects/.../topics/... id), as the events port names it."
  }

  validation {
    condition     = alltrue([for t in values(var.triggers) : t.path_prefix == "" || can(regex("^[a-z0-9][a-z0-9_-]*/$", t.path_prefix))])
    error_message = "path_prefix must be empty or one folder ending in '/', e.g. datasets/."
  }

  validation {
    condition     = alltrue([for k in keys(var.triggers) : can(regex("^[a-z][a-z0-9-]{0,15}$", k))])
    error_message = "Trigger keys must be short kebab-case words (they name Eventarc triggers and subscriptions)."
  }
}

variable "retry" {
  description = "Redelivery of failed events on Pub/Sub triggers: attempts before the dead-letter topic (5..100, the events port's default is 5) and exponential backoff bounds."
  type = object({
    max_delivery_attempts = optional(number, 5)
    minimum_backoff       = optional(string, "10s")
    maximum_backoff       = optional(string, "600s")
  })
  default = {}

  validation {
    condition     = var.retry.max_delivery_attempts >= 5 && var.retry.max_delivery_attempts <= 100
    error_message = "retry.max_delivery_attempts must be between 5 and 100 (Pub/Sub's range)."
  }

  validation {
    condition     = can(regex("^[0-9]+s$", var.retry.minimum_backoff)) && can(regex("^[0-9]+s$", var.retry.maximum_backoff))
    error_message = "retry backoffs are durations in seconds, e.g. 10s."
  }
}

variable "env" {
  description = "Plain environment variables (non-secret configuration from docs/CONFIGURATION.md)."
  type        = map(string)
  default     = {}

  validation {
    condition = alltrue([
      for key in keys(var.env) : !contains(["VIGIL_JWT_SECRET", "VIGIL_JWT_PRIVATE_KEY", "VIGIL_BOOTSTRAP_API_KEY", "VIGIL_BLOB_SIGNING_KEY"], key)
    ])
    error_message = "Secrets go in secret_env, never in env."
  }
}

variable "secret_env" {
  description = "Environment variables read from Secret Manager: variable name => { secret id, version }."
  type = map(object({
    secret  = string
    version = optional(string, "latest")
  }))
  default = {}
}

variable "scaling" {
  description = "Instances and per-instance concurrency (events are handled one per request)."
  type = object({
    min_instances = optional(number, 0)
    max_instances = optional(number, 5)
    concurrency   = optional(number, 1)
  })
  default = {}

  validation {
    condition     = var.scaling.min_instances >= 0 && var.scaling.min_instances <= var.scaling.max_instances
    error_message = "scaling.min_instances must be between 0 and max_instances."
  }
}

variable "resources" {
  description = "CPU and memory per instance."
  type = object({
    cpu               = optional(string, "1")
    memory            = optional(string, "1Gi")
    cpu_idle          = optional(bool, true)
    startup_cpu_boost = optional(bool, true)
  })
  default = {}
}

variable "timeout_seconds" {
  description = "Time one event may take. Pub/Sub push waits at most 600 s for an answer, so Pub/Sub-triggered functions stay at or under 600."
  type        = number
  default     = 300

  validation {
    condition     = var.timeout_seconds >= 10 && var.timeout_seconds <= 600
    error_message = "timeout_seconds must be between 10 and 600 (the Pub/Sub push acknowledgement limit)."
  }
}

variable "project_roles" {
  description = "Project-level roles of the function's service account (e.g. roles/datastore.user)."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for r in var.project_roles : startswith(r, "roles/") && !contains(["roles/owner", "roles/editor", "roles/viewer"], r)])
    error_message = "project_roles must be predefined roles and never roles/owner, roles/editor or roles/viewer."
  }
}

variable "bucket_roles" {
  description = "Roles of the function's service account on individual buckets."
  type = list(object({
    bucket = string
    role   = string
  }))
  default = []
}

variable "topic_roles" {
  description = "Roles of the function's service account on individual Pub/Sub topics (e.g. publisher on retrain-requests)."
  type = list(object({
    topic = string
    role  = string
  }))
  default = []
}

variable "labels" {
  description = "Labels on the service and its triggers."
  type        = map(string)
  default     = {}
}

variable "deletion_protection" {
  description = "Refuse to destroy the service from Terraform."
  type        = bool
  default     = true
}
