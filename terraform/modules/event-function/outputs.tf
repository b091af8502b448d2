output "url" {
  description = "Internal URL of the service (ingress is internal only)."
  value       = module.service.url
}

output "service_name" {
  description = "Cloud Run service name."
  value       = module.service.service_name
}

output "service_account_email" {
  description = "Email of the function's own service account."
  value       = module.service.service_account_email
}

output "trigger_service_account_email" {
  description = "Email of the identity that delivers events to the function."
  value       = google_service_account.trigger.email
}

output "entry_point" {
  description = "CloudEvent function the service runs."
  value       = var.entry_point
}

output "triggers" {
  description = "Eventarc trigger and push subscription names by trigger key."
  value = merge(
    { for k, t in google_eventarc_trigger.storage : k => t.name },
    { for k, s in google_pubsub_subscription.push : k => s.name },
  )
}
