# Metrics, uptime checks and alerts for one vigil environment, built on Cloud Run's own request
# metrics (every event delivery is an HTTP request too) and on vigil's JSON logs.

locals {
  channels = concat([for c in google_monitoring_notification_channel.email : c.id], var.notification_channel_ids)
  services = join(", ", [for s in var.alerted_services : "\"${s}\""])
  duration = "${var.thresholds.duration_seconds}s"

  cloud_run_requests = "resource.type = \"cloud_run_revision\" AND resource.labels.service_name = one_of(${local.services})"
}

resource "google_monitoring_notification_channel" "email" {
  for_each = toset(var.notification_emails)

  project      = var.project_id
  display_name = "${var.name_prefix} alerts to ${each.value}"
  type         = "email"
  labels       = { email_address = each.value }
}

# --- Log-based metric and drift alert ------------------------------------------------------------

resource "google_logging_metric" "drift_detected" {
  project = var.project_id
  name    = "${var.name_prefix}-drift-detected"
  filter  = "resource.type = \"cloud_run_revision\" AND resource.labels.service_name = \"${var.drift_service_name}\" AND jsonPayload.alert = \"${var.drift_alert}\""

  metric_descriptor {
    metric_kind  = "DELTA"
    value_type   = "INT64"
    unit         = "1"
    display_name = "${var.name_prefix} drift reports that found drift"
  }
}

resource "google_monitoring_alert_policy" "drift" {
  project               = var.project_id
  display_name          = "${var.name_prefix}: model drift detected"
  combiner              = "OR"
  notification_channels = local.channels

  conditions {
    display_name = "a drift report found drift"
    condition_threshold {
      filter          = "metric.type = \"logging.googleapis.com/user/${google_logging_metric.drift_detected.name}\" AND resource.type = \"cloud_run_revision\""
      comparison      = "COMPARISON_GT"
      threshold_value = 0
      duration        = "0s"
      aggregations {
        alignment_period   = "300s"
        per_series_aligner = "ALIGN_SUM"
      }
    }
  }

  documentation {
    mime_type = "text/markdown"
    content   = "A drift check found a shift between recent inputs or scores and the champion's training baseline. The report is under reports/drift/<model>/ in the datasets bucket and in the driftReports collection; consider retraining."
  }
}

# --- Error rate and latency ----------------------------------------------------------------------

resource "google_monitoring_alert_policy" "error_rate" {
  project               = var.project_id
  display_name          = "${var.name_prefix}: 5xx rate above ${var.thresholds.error_rate * 100}%"
  combiner              = "OR"
  notification_channels = local.channels

  conditions {
    display_name = "share of 5xx responses per service"
    condition_threshold {
      filter             = "${local.cloud_run_requests} AND metric.type = \"run.googleapis.com/request_count\" AND metric.labels.response_code_class = \"5xx\""
      denominator_filter = "${local.cloud_run_requests} AND metric.type = \"run.googleapis.com/request_count\""
      comparison         = "COMPARISON_GT"
      threshold_value    = var.thresholds.error_rate
      duration           = local.duration
      aggregations {
        alignment_period     = "60s"
        per_series_aligner   = "ALIGN_RATE"
        cross_series_reducer = "REDUCE_SUM"
        group_by_fields      = ["resource.labels.service_name"]
      }
      denominator_aggregations {
        alignment_period     = "60s"
        per_series_aligner   = "ALIGN_RATE"
        cross_series_reducer = "REDUCE_SUM"
        group_by_fields      = ["resource.labels.service_name"]
      }
    }
  }

  documentation {
    mime_type = "text/markdown"
    content   = "A vigil function answers 5xx. Its logs carry the request id of every failure (vigil's error envelope hides 5xx messages from callers and logs them)."
  }
}

resource "google_monitoring_alert_policy" "latency_p95" {
  project               = var.project_id
  display_name          = "${var.name_prefix}: p95 latency above ${var.thresholds.p95_latency_ms} ms"
  combiner              = "OR"
  notification_channels = local.channels

  conditions {
    display_name = "p95 request latency per service"
    condition_threshold {
      filter          = "${local.cloud_run_requests} AND metric.type = \"run.googleapis.com/request_latencies\""
      comparison      = "COMPARISON_GT"
      threshold_value = var.thresholds.p95_latency_ms
      duration        = local.duration
      aggregations {
        alignment_period     = "60s"
        per_series_aligner   = "ALIGN_DELTA"
        cross_series_reducer = "REDUCE_PERCENTILE_95"
        group_by_fields      = ["resource.labels.service_name"]
      }
    }
  }
}

# --- Dead letters --------------------------------------------------------------------------------

resource "google_monitoring_alert_policy" "dead_letters" {
  count = length(var.dead_letter_subscriptions) > 0 ? 1 : 0

  project               = var.project_id
  display_name          = "${var.name_prefix}: events dead-lettered"
  combiner              = "OR"
  notification_channels = local.channels

  conditions {
    display_name = "messages waiting in a dead-letter store"
    condition_threshold {
      filter          = "resource.type = \"pubsub_subscription\" AND resource.labels.subscription_id = one_of(${join(", ", [for s in var.dead_letter_subscriptions : "\"${s}\""])}) AND metric.type = \"pubsub.googleapis.com/subscription/num_undelivered_messages\""
      comparison      = "COMPARISON_GT"
      threshold_value = 0
      duration        = "0s"
      aggregations {
        alignment_period   = "300s"
        per_series_aligner = "ALIGN_MAX"
      }
    }
  }

  documentation {
    mime_type = "text/markdown"
    content   = "An event exhausted its delivery attempts. Its attributes name the source topic and the last error (vigil-source-topic, vigil-last-error); pull it from the .dead-letter.store subscription."
  }
}

# --- Uptime --------------------------------------------------------------------------------------

# One check per public HTTP function. The GPU model server is left out on purpose: a check every
# few minutes would keep a scale-to-zero GPU instance awake.
resource "google_monitoring_uptime_check_config" "health" {
  for_each = var.http_services

  project      = var.project_id
  display_name = "${var.name_prefix} ${each.key} /health"
  timeout      = "10s"
  period       = "300s"

  http_check {
    path           = "/health"
    port           = 443
    use_ssl        = true
    validate_ssl   = true
    request_method = "GET"
    accepted_response_status_codes {
      status_class = "STATUS_CLASS_2XX"
    }
  }

  monitored_resource {
    type = "uptime_url"
    labels = {
      project_id = var.project_id
      host       = trimsuffix(trimprefix(each.value.url, "https://"), "/")
    }
  }
}

resource "google_monitoring_alert_policy" "uptime" {
  project               = var.project_id
  display_name          = "${var.name_prefix}: /health failing"
  combiner              = "OR"
  notification_channels = local.channels

  conditions {
    display_name = "uptime check failing from more than one location"
    condition_threshold {
      filter          = "metric.type = \"monitoring.googleapis.com/uptime_check/check_passed\" AND resource.type = \"uptime_url\" AND metric.labels.check_id = one_of(${join(", ", [for c in google_monitoring_uptime_check_config.health : "\"${c.uptime_check_id}\""])})"
      comparison      = "COMPARISON_GT"
      threshold_value = 1
      duration        = "600s"
      aggregations {
        alignment_period     = "1200s"
        per_series_aligner   = "ALIGN_NEXT_OLDER"
        cross_series_reducer = "REDUCE_COUNT_FALSE"
        group_by_fields      = ["resource.label.*"]
      }
    }
  }
}
