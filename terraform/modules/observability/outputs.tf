output "uptime_check_ids" {
  description = "Uptime check ids by function."
  value       = { for k, c in google_monitoring_uptime_check_config.health : k => c.uptime_check_id }
}

output "alert_policies" {
  description = "Alert policy names (projects/<p>/alertPolicies/<id>) by concern."
  value = merge(
    {
      drift       = google_monitoring_alert_policy.drift.name
      error_rate  = google_monitoring_alert_policy.error_rate.name
      latency_p95 = google_monitoring_alert_policy.latency_p95.name
      uptime      = google_monitoring_alert_policy.uptime.name
    },
    length(google_monitoring_alert_policy.dead_letters) > 0 ? { dead_letters = google_monitoring_alert_policy.dead_letters[0].name } : {},
  )
}

output "notification_channels" {
  description = "Every notification channel the alerts use."
  value       = local.channels
}
