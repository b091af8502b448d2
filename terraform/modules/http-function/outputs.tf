output "url" {
  description = "HTTPS URL of the service."
  value       = google_cloud_run_v2_service.this.uri
}

output "service_name" {
  description = "Cloud Run service name."
  value       = google_cloud_run_v2_service.this.name
}

output "service_account_email" {
  description = "Email of the function's own service account."
  value       = google_service_account.this.email
}

output "service_account_member" {
  description = "IAM member string of the function's service account (serviceAccount:...)."
  value       = google_service_account.this.member
}

output "entry_point" {
  description = "vigil function the service runs."
  value       = var.entry_point
}
