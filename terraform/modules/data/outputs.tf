output "buckets" {
  description = "Bucket names by role: models (released models), datasets (the MLOps working bucket), results."
  value       = { for k, b in google_storage_bucket.this : k => b.name }
}

output "bucket_urls" {
  description = "gs:// URLs of the buckets by role."
  value       = { for k, b in google_storage_bucket.this : k => b.url }
}

output "firestore_database" {
  description = "Firestore database id (VIGIL_FIRESTORE_DATABASE)."
  value       = google_firestore_database.this.name
}

output "collection_prefix" {
  description = "Collection name prefix (VIGIL_FIRESTORE_PREFIX)."
  value       = var.firestore.collection_prefix
}

output "topics" {
  description = "Topic names by name (use these references so subscriptions wait for the topics)."
  value       = { for k, t in google_pubsub_topic.this : k => t.name }
}

output "dead_letter_topics" {
  description = "Dead-letter topic names by source topic."
  value       = { for k, t in google_pubsub_topic.dead_letter : k => t.name }
}

output "drift_schedule_job" {
  description = "Name of the Cloud Scheduler job that requests the daily drift report."
  value       = google_cloud_scheduler_job.drift_report.name
}

output "dead_letter_subscriptions" {
  description = "Subscriptions that keep dead letters, by source topic."
  value       = { for k, s in google_pubsub_subscription.dead_letter_store : k => s.name }
}
