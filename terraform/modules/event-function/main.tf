# One vigil CloudEvent function: the http-function service running the Functions Framework target
# (which turns both Eventarc deliveries and raw Pub/Sub pushes into CloudEvents), reachable only
# from inside Google Cloud, plus its triggers and the identity they call it with.
#
# Cloud Storage events go through Eventarc. Pub/Sub topics are delivered by a push subscription this
# module owns rather than by an Eventarc Pub/Sub trigger, whose subscription Terraform cannot give
# the dead-letter topic and retry policy the events port relies on (<topic>.dead-letter).

data "google_project" "this" {
  project_id = var.project_id
}

locals {
  storage_triggers = { for k, t in var.triggers : k => t if t.kind == "storage" }
  pubsub_triggers  = { for k, t in var.triggers : k => t if t.kind == "pubsub" }
  pubsub_agent     = "serviceAccount:service-${data.google_project.this.number}@gcp-sa-pubsub.iam.gserviceaccount.com"
  trigger_sa_id    = "${trimsuffix(substr(var.name, 0, 26), "-")}-evt"
}

module "service" {
  source = "../http-function"

  project_id  = var.project_id
  region      = var.region
  name        = var.name
  entry_point = var.entry_point
  image       = var.image
  args = [
    "node_modules/@google-cloud/functions-framework/build/src/main.js",
    "--target=${var.entry_point}",
    "--source=dist/functions/${var.entry_point}/index.js",
    "--signature-type=cloudevent",
  ]
  env                 = var.env
  secret_env          = var.secret_env
  scaling             = var.scaling
  resources           = var.resources
  timeout_seconds     = var.timeout_seconds
  ingress             = "INGRESS_TRAFFIC_INTERNAL_ONLY"
  health_path         = null
  invoker_members     = [google_service_account.trigger.member]
  project_roles       = var.project_roles
  bucket_roles        = var.bucket_roles
  topic_roles         = var.topic_roles
  labels              = var.labels
  deletion_protection = var.deletion_protection
}

# The identity Eventarc and Pub/Sub use to call the service; it can do nothing else.
resource "google_service_account" "trigger" {
  project      = var.project_id
  account_id   = local.trigger_sa_id
  display_name = "vigil ${var.entry_point} trigger"
  description  = "Delivers events to ${var.name} (run.invoker on it, eventarc.eventReceiver)."
}

resource "google_project_iam_member" "event_receiver" {
  count = length(local.storage_triggers) > 0 ? 1 : 0

  project = var.project_id
  role    = "roles/eventarc.eventReceiver"
  member  = google_service_account.trigger.member
}

resource "google_eventarc_trigger" "storage" {
  for_each = local.storage_triggers

  project         = var.project_id
  name            = "${var.name}-${each.key}"
  location        = var.region
  service_account = google_service_account.trigger.email
  labels = merge(var.labels, {
    "vigil-function"    = var.entry_point
    "vigil-path-prefix" = each.value.path_prefix == "" ? "none" : trimsuffix(each.value.path_prefix, "/")
  })

  matching_criteria {
    attribute = "type"
    value     = "google.cloud.storage.object.v1.finalized"
  }

  matching_criteria {
    attribute = "bucket"
    value     = each.value.bucket
  }

  destination {
    cloud_run_service {
      service = module.service.service_name
      region  = var.region
    }
  }

  depends_on = [google_project_iam_member.event_receiver]
}

resource "google_pubsub_subscription" "push" {
  for_each = local.pubsub_triggers

  project = var.project_id
  name    = "${var.name}-${each.key}"
  topic   = each.value.topic
  labels  = merge(var.labels, { "vigil-function" = var.entry_point })

  ack_deadline_seconds       = var.timeout_seconds
  message_retention_duration = "604800s"

  push_config {
    # The Functions Framework reads the topic from this path when it converts the push to a CloudEvent.
    push_endpoint = "${module.service.url}/projects/${var.project_id}/topics/${each.value.topic}"

    oidc_token {
      service_account_email = google_service_account.trigger.email
      audience              = module.service.url
    }
  }

  retry_policy {
    minimum_backoff = var.retry.minimum_backoff
    maximum_backoff = var.retry.maximum_backoff
  }

  dead_letter_policy {
    dead_letter_topic     = "projects/${var.project_id}/topics/${coalesce(each.value.dead_letter_topic, "${each.value.topic}.dead-letter")}"
    max_delivery_attempts = var.retry.max_delivery_attempts
  }

  expiration_policy {
    ttl = ""
  }
}

# Pub/Sub forwards undeliverable messages as its service agent, which must be able to ack them here.
resource "google_pubsub_subscription_iam_member" "dead_letter_ack" {
  for_each = local.pubsub_triggers

  project      = var.project_id
  subscription = google_pubsub_subscription.push[each.key].name
  role         = "roles/pubsub.subscriber"
  member       = local.pubsub_agent
}

# Needed by projects created before April 2021, whose Pub/Sub agent lacks it, to mint push OIDC tokens.
resource "google_service_account_iam_member" "pubsub_token_creator" {
  count = length(local.pubsub_triggers) > 0 ? 1 : 0

  service_account_id = google_service_account.trigger.name
  role               = "roles/iam.serviceAccountTokenCreator"
  member             = local.pubsub_agent
}
