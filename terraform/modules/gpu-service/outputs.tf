output "url" {
  description = "HTTPS URL of the model server (IAM-protected; callers send an ID token)."
  value       = google_cloud_run_v2_service.this.uri
}

output "service_name" {
  description = "Cloud Run service name."
  value       = google_cloud_run_v2_service.this.name
}

output "service_account_email" {
  description = "Email of the model server's service account."
  value       = google_service_account.this.email
}

output "entry_point" {
  description = "vigil function the service runs."
  value       = var.entry_point
}

output "service_account_member" {
  description = "IAM member string of the model server's service account."
  value       = google_service_account.this.member
}
