# Inputs of one vigil environment. environments/<env>/main.tf sets them; the defaults are the
# cautious (production) choice wherever dev and prod differ.

variable "project_id" {
  description = "Google Cloud project of this environment (one project per environment)."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{4,28}[a-z0-9]$", var.project_id))
    error_message = "project_id must be a Google Cloud project id."
  }
}

variable "environment" {
  description = "Environment name, part of every resource name (vigil-<environment>-...)."
  type        = string

  validation {
    condition     = contains(["dev", "prod"], var.environment)
    error_message = "environment must be dev or prod."
  }
}

variable "region" {
  description = "Region of every regional resource; it must offer Cloud Run L4 GPUs for the model server."
  type        = string
  default     = "europe-west1"
}

variable "image" {
  description = "vigil container image (terraform/container/Dockerfile), e.g. europe-west1-docker.pkg.dev/<project>/vigil/vigil:<git sha>. The deploy workflow passes it."
  type        = string

  validation {
    condition     = can(regex("^[^\\s]+[:@][^\\s]+$", var.image))
    error_message = "image must carry a tag or a digest."
  }
}

variable "log_level" {
  description = "VIGIL_LOG_LEVEL of every function (dev: DEBUG)."
  type        = string
  default     = "INFO"

  validation {
    condition     = contains(["DEBUG", "INFO", "WARNING", "ERROR"], var.log_level)
    error_message = "log_level must be DEBUG, INFO, WARNING or ERROR."
  }
}

variable "firestore_database_id" {
  description = "Firestore database id (VIGIL_FIRESTORE_DATABASE)."
  type        = string
  default     = "(default)"
}

variable "firestore_location" {
  description = "Firestore location, a multi-region (eur3, nam5) or a region."
  type        = string
  default     = "eur3"
}

variable "jwt_issuer" {
  description = "VIGIL_JWT_ISSUER: iss of issued tokens, checked everywhere."
  type        = string
  default     = "vigil"
}

variable "jwt_audience" {
  description = "VIGIL_JWT_AUDIENCE: aud of issued tokens, checked everywhere."
  type        = string
  default     = "vigil"
}

variable "accept_hs256_tokens" {
  description = "Also accept HS256 tokens signed with a shared secret (Secret Manager <prefix>-jwt-secret); off means RS256/ES256 only, verified with the auth function's JWKS."
  type        = bool
  default     = false
}

variable "retention_days" {
  description = "VIGIL_RETENTION_DAYS: days stored predictions and result images are kept."
  type        = number
  default     = 30

  validation {
    condition     = var.retention_days >= 1 && var.retention_days <= 3650
    error_message = "retention_days must be between 1 and 3650."
  }
}

variable "feedback_retention_days" {
  description = "VIGIL_FEEDBACK_RETENTION_DAYS: days labelled feedback and datasets are kept."
  type        = number
  default     = 365

  validation {
    condition     = var.feedback_retention_days >= 1 && var.feedback_retention_days <= 3650
    error_message = "feedback_retention_days must be between 1 and 3650."
  }
}

variable "store_predictions" {
  description = "VIGIL_STORE_PREDICTIONS: false stores nothing about scored content, for every caller."
  type        = bool
  default     = true
}

variable "store_images" {
  description = "VIGIL_STORE_IMAGES of image-classifier: keep submitted images in the results bucket (expired with retention_days)."
  type        = bool
  default     = false
}

variable "model_poll_seconds" {
  description = "VIGIL_MODEL_POLL_SECONDS: how often serving instances look for a newly promoted champion (0 = only on refresh)."
  type        = number
  default     = 60

  validation {
    condition     = var.model_poll_seconds >= 0 && var.model_poll_seconds <= 86400
    error_message = "model_poll_seconds must be between 0 and 86400."
  }
}

variable "cors_origins" {
  description = "VIGIL_CORS_ORIGINS of the detectors: browser origins allowed to call them."
  type        = list(string)
  default     = []
}

variable "function_scaling" {
  description = "Instances and per-instance concurrency (requests in flight per instance) per HTTP function by vigil name (auth, toxicity, hate-speech, image-classifier); absent functions scale 0..10 at concurrency 80. A saturated instance's latency grows with its concurrency (docs/DEPLOYMENT.md, sizing)."
  type = map(object({
    min_instances = optional(number, 0)
    max_instances = optional(number, 10)
    concurrency   = optional(number, 80)
  }))
  default = {}

  validation {
    condition = alltrue([
      for name, s in var.function_scaling :
      contains(["auth", "toxicity", "hate-speech", "image-classifier"], name) && s.min_instances <= s.max_instances
    ])
    error_message = "function_scaling keys must be auth, toxicity, hate-speech or image-classifier, each with min_instances <= max_instances."
  }

  validation {
    condition     = alltrue([for s in values(var.function_scaling) : s.concurrency >= 1 && s.concurrency <= 1000])
    error_message = "function_scaling concurrency must be between 1 and 1000."
  }
}

variable "model_server" {
  description = "GPU model server: enable only once the project has Cloud Run L4 quota. hate_speech_model names the model hate-speech sends to it (VIGIL_HATE_SPEECH_REMOTE_MODEL); image defaults to the vigil image."
  type = object({
    enabled           = optional(bool, false)
    image             = optional(string)
    min_instances     = optional(number, 0)
    max_instances     = optional(number, 1)
    hate_speech_model = optional(string)
  })
  default = {}

  validation {
    condition     = var.model_server.min_instances <= var.model_server.max_instances
    error_message = "model_server.min_instances must not exceed model_server.max_instances."
  }
}

variable "drift_report_cron" {
  description = "When the daily drift report is requested (cron, UTC)."
  type        = string
  default     = "0 5 * * *"
}

variable "alert_thresholds" {
  description = "Alert thresholds: 5xx share, p95 latency (ms), breach duration (s)."
  type = object({
    error_rate       = optional(number, 0.05)
    p95_latency_ms   = optional(number, 1000)
    duration_seconds = optional(number, 300)
  })
  default = {}
}

variable "alert_emails" {
  description = "E-mail addresses that receive alerts."
  type        = list(string)
  default     = []
}

variable "alert_channel_ids" {
  description = "Existing Cloud Monitoring notification channels (projects/<p>/notificationChannels/<id>) that receive alerts."
  type        = list(string)
  default     = []
}

variable "deletion_protection" {
  description = "Protect services, buckets (no force destroy) and Firestore (delete protection, point-in-time recovery) from destruction (dev: false)."
  type        = bool
  default     = true
}
