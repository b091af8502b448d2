variable "project_id" {
  description = "Google Cloud project whose Cloud Monitoring workspace gets the metrics, checks and alerts."
  type        = string
}

variable "name_prefix" {
  description = "Prefix of metric, check and policy names, e.g. vigil-dev."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,30}$", var.name_prefix))
    error_message = "name_prefix must be 2-31 lowercase letters, digits or hyphens."
  }
}

variable "http_services" {
  description = "Public HTTP functions by vigil name: Cloud Run service name and URL. Each gets an uptime check on /health and is covered by the error-rate and latency alerts."
  type = map(object({
    service_name = string
    url          = string
  }))

  validation {
    condition     = alltrue([for s in values(var.http_services) : startswith(s.url, "https://")])
    error_message = "http_services URLs must be https:// Cloud Run URLs."
  }
}

variable "alerted_services" {
  description = "Every Cloud Run service name covered by the error-rate and latency alerts (HTTP functions, event functions, model server)."
  type        = list(string)

  validation {
    condition     = length(var.alerted_services) > 0
    error_message = "List at least one service."
  }
}

variable "drift_service_name" {
  description = "Cloud Run service name of the drift-check function, whose logs feed the drift metric."
  type        = string
}

variable "drift_alert" {
  description = "Value of the alert field the drift check logs when a report finds drift (shared/mlops/drift-check.ts logs alert=\"model-drift\")."
  type        = string
  default     = "model-drift"
}

variable "dead_letter_subscriptions" {
  description = "Subscriptions that store dead letters; any message waiting there raises an alert."
  type        = list(string)
  default     = []
}

variable "thresholds" {
  description = "Alert thresholds: 5xx share of requests, p95 latency in milliseconds, and how long a breach must last."
  type = object({
    error_rate       = optional(number, 0.05)
    p95_latency_ms   = optional(number, 1000)
    duration_seconds = optional(number, 300)
  })
  default = {}

  validation {
    condition     = var.thresholds.error_rate > 0 && var.thresholds.error_rate < 1
    error_message = "thresholds.error_rate is a fraction between 0 and 1."
  }

  validation {
    condition     = var.thresholds.p95_latency_ms > 0
    error_message = "thresholds.p95_latency_ms must be positive."
  }

  validation {
    condition     = var.thresholds.duration_seconds >= 60 && var.thresholds.duration_seconds % 60 == 0
    error_message = "thresholds.duration_seconds must be a whole number of minutes (at least 60)."
  }
}

variable "notification_emails" {
  description = "E-mail addresses that get an e-mail notification channel and every alert."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for e in var.notification_emails : can(regex("^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$", e))])
    error_message = "notification_emails must be e-mail addresses."
  }
}

variable "notification_channel_ids" {
  description = "Existing notification channels (projects/<p>/notificationChannels/<id>, e.g. Slack or PagerDuty made in the console) that also get every alert."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for c in var.notification_channel_ids : can(regex("^projects/[^/]+/notificationChannels/[^/]+$", c))])
    error_message = "notification_channel_ids must be full channel names: projects/<project>/notificationChannels/<id>."
  }
}
