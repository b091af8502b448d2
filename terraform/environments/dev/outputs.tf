# The stack's outputs, re-exported (the deploy workflow reads health_urls and buckets).

output "function_urls" {
  description = "Public URLs of the HTTP functions by vigil name."
  value       = module.vigil.function_urls
}

output "health_urls" {
  description = "GET /health of every public HTTP function (the deploy workflow's smoke test)."
  value       = module.vigil.health_urls
}

output "event_function_urls" {
  description = "Internal URLs of the CloudEvent functions (ingress internal only)."
  value       = module.vigil.event_function_urls
}

output "model_server_url" {
  description = "URL of the GPU model server (IAM-protected), or null while it is disabled."
  value       = module.vigil.model_server_url
}

output "jwks_url" {
  description = "Public keys of the auth function, VIGIL_JWT_JWKS_URL of every other function."
  value       = module.vigil.jwks_url
}

output "buckets" {
  description = "Bucket names by role; the deploy workflow uploads models/ to buckets.models."
  value       = module.vigil.buckets
}

output "secrets" {
  description = "Secret Manager secret ids to add versions to (docs/DEPLOYMENT.md)."
  value       = module.vigil.secrets
}

output "uptime_check_ids" {
  description = "Uptime check ids by function."
  value       = module.vigil.uptime_check_ids
}
