output "function_urls" {
  description = "Public URLs of the HTTP functions by vigil name."
  value = {
    auth               = module.auth.url
    toxicity           = module.toxicity.url
    "hate-speech"      = module.hate_speech.url
    "image-classifier" = module.image_classifier.url
  }
}

output "health_urls" {
  description = "GET /health of every public HTTP function (the deploy workflow's smoke test)."
  value = {
    for name, url in {
      auth               = module.auth.url
      toxicity           = module.toxicity.url
      "hate-speech"      = module.hate_speech.url
      "image-classifier" = module.image_classifier.url
    } : name => "${url}/health"
  }
}

output "event_function_urls" {
  description = "Internal URLs of the CloudEvent functions (ingress internal only)."
  value = {
    "on-dataset-upload" = module.on_dataset_upload.url
    retrain             = module.retrain.url
    "drift-check"       = module.drift_check.url
  }
}

output "model_server_url" {
  description = "URL of the GPU model server (IAM-protected), or null while it is disabled."
  value       = one(module.model_server[*].url)
}

output "jwks_url" {
  description = "Public keys of the auth function, VIGIL_JWT_JWKS_URL of every other function."
  value       = local.verifier_env.VIGIL_JWT_JWKS_URL
}

output "buckets" {
  description = "Bucket names by role; the deploy workflow uploads models/ to buckets.models."
  value       = module.data.buckets
}

output "secrets" {
  description = "Secret Manager secret ids to add versions to (docs/DEPLOYMENT.md)."
  value       = { for k, s in google_secret_manager_secret.this : k => s.secret_id }
}

output "uptime_check_ids" {
  description = "Uptime check ids by function."
  value       = module.observability.uptime_check_ids
}
