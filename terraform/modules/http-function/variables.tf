variable "project_id" {
  description = "Google Cloud project that hosts the service."
  type        = string
}

variable "region" {
  description = "Cloud Run region, e.g. europe-west1."
  type        = string
}

variable "name" {
  description = "Cloud Run service name; also the service account id, so 6 to 30 characters (e.g. vigil-dev-toxicity)."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{4,28}[a-z0-9]$", var.name))
    error_message = "name must be 6-30 characters of lowercase letters, digits and hyphens, starting with a letter (it doubles as the service account id)."
  }
}

variable "entry_point" {
  description = "vigil function name: the key in functions/registry.ts and the Functions Framework target (functions/<entry_point>/index.ts)."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]*$", var.entry_point))
    error_message = "entry_point must be a kebab-case vigil function name."
  }
}

variable "image" {
  description = "Container image built from terraform/container/Dockerfile, pinned by tag or digest."
  type        = string

  validation {
    condition     = can(regex("^[^\\s]+[:@][^\\s]+$", var.image))
    error_message = "image must carry a tag or a digest (registry/path:tag or registry/path@sha256:...)."
  }
}

variable "args" {
  description = "Container arguments after `node`; null runs the lean server: dist/server/serve.js <entry_point>."
  type        = list(string)
  default     = null
}

variable "env" {
  description = "Plain environment variables (non-secret configuration from docs/CONFIGURATION.md)."
  type        = map(string)
  default     = {}

  validation {
    condition = alltrue([
      for key in keys(var.env) : !contains(["VIGIL_JWT_SECRET", "VIGIL_JWT_PRIVATE_KEY", "VIGIL_BOOTSTRAP_API_KEY", "VIGIL_BLOB_SIGNING_KEY"], key)
    ])
    error_message = "Secrets (VIGIL_JWT_SECRET, VIGIL_JWT_PRIVATE_KEY, VIGIL_BOOTSTRAP_API_KEY, VIGIL_BLOB_SIGNING_KEY) go in secret_env, never in env."
  }
}

variable "secret_env" {
  description = "Environment variables read from Secret Manager: variable name => { secret id, version }. The service account gets secretAccessor on each secret."
  type = map(object({
    secret  = string
    version = optional(string, "latest")
  }))
  default = {}

  validation {
    condition     = alltrue([for key in keys(var.secret_env) : can(regex("^[A-Z][A-Z0-9_]*$", key))])
    error_message = "secret_env keys must be environment variable names (UPPER_SNAKE_CASE)."
  }
}

variable "scaling" {
  description = "Instances and per-instance concurrency."
  type = object({
    min_instances = optional(number, 0)
    max_instances = optional(number, 10)
    concurrency   = optional(number, 80)
  })
  default = {}

  validation {
    condition     = var.scaling.min_instances >= 0 && var.scaling.min_instances <= var.scaling.max_instances
    error_message = "scaling.min_instances must be between 0 and max_instances."
  }

  validation {
    condition     = var.scaling.concurrency >= 1 && var.scaling.concurrency <= 1000
    error_message = "scaling.concurrency must be between 1 and 1000."
  }
}

variable "resources" {
  description = "CPU and memory per instance; cpu_idle = false keeps CPU allocated outside requests."
  type = object({
    cpu               = optional(string, "1")
    memory            = optional(string, "512Mi")
    cpu_idle          = optional(bool, true)
    startup_cpu_boost = optional(bool, true)
  })
  default = {}

  validation {
    condition     = contains(["1", "2", "4", "6", "8"], var.resources.cpu)
    error_message = "resources.cpu must be one of 1, 2, 4, 6, 8."
  }

  validation {
    condition     = can(regex("^[0-9]+(Mi|Gi)$", var.resources.memory))
    error_message = "resources.memory must look like 512Mi or 2Gi."
  }
}

variable "timeout_seconds" {
  description = "Request timeout of the service (Cloud Run allows up to 3600 s)."
  type        = number
  default     = 60

  validation {
    condition     = var.timeout_seconds >= 1 && var.timeout_seconds <= 3600
    error_message = "timeout_seconds must be between 1 and 3600."
  }
}

variable "ingress" {
  description = "Who may reach the service over the network."
  type        = string
  default     = "INGRESS_TRAFFIC_ALL"

  validation {
    condition     = contains(["INGRESS_TRAFFIC_ALL", "INGRESS_TRAFFIC_INTERNAL_ONLY", "INGRESS_TRAFFIC_INTERNAL_LOAD_BALANCER"], var.ingress)
    error_message = "ingress must be INGRESS_TRAFFIC_ALL, INGRESS_TRAFFIC_INTERNAL_ONLY or INGRESS_TRAFFIC_INTERNAL_LOAD_BALANCER."
  }
}

variable "health_path" {
  description = "Path of the startup and liveness probes; null keeps Cloud Run's TCP startup probe (CloudEvent functions serve no /health)."
  type        = string
  default     = "/health"
}

variable "invoker_members" {
  description = "Principals granted roles/run.invoker (additively). vigil authenticates callers itself, so public detectors use allUsers."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for m in var.invoker_members : can(regex("^(allUsers|allAuthenticatedUsers|(user|group|serviceAccount|domain|principal|principalSet):.+)$", m))])
    error_message = "invoker_members must be IAM members such as allUsers or serviceAccount:name@project.iam.gserviceaccount.com."
  }
}

variable "project_roles" {
  description = "Project-level roles of the function's service account (only those with no narrower resource, e.g. roles/datastore.user)."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for r in var.project_roles : startswith(r, "roles/") && !contains(["roles/owner", "roles/editor", "roles/viewer"], r)])
    error_message = "project_roles must be predefined roles and never roles/owner, roles/editor or roles/viewer."
  }
}

variable "bucket_roles" {
  description = "Roles of the service account on individual buckets, e.g. { bucket = \"vigil-dev-datasets\", role = \"roles/storage.objectViewer\" }."
  type = list(object({
    bucket = string
    role   = string
  }))
  default = []

  validation {
    condition     = alltrue([for b in var.bucket_roles : startswith(b.role, "roles/storage.")])
    error_message = "bucket_roles must be roles/storage.* roles."
  }
}

variable "topic_roles" {
  description = "Roles of the service account on individual Pub/Sub topics (topic id or name), e.g. roles/pubsub.publisher."
  type = list(object({
    topic = string
    role  = string
  }))
  default = []

  validation {
    condition     = alltrue([for t in var.topic_roles : startswith(t.role, "roles/pubsub.")])
    error_message = "topic_roles must be roles/pubsub.* roles."
  }
}

variable "sign_urls" {
  description = "Let the service account sign Cloud Storage URLs with its own identity (roles/iam.serviceAccountTokenCreator on itself only)."
  type        = bool
  default     = false
}

variable "labels" {
  description = "Labels on the service."
  type        = map(string)
  default     = {}
}

variable "deletion_protection" {
  description = "Refuse to destroy the service from Terraform (turn off in throwaway environments)."
  type        = bool
  default     = true
}
