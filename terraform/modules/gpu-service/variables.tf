variable "project_id" {
  description = "Google Cloud project that hosts the service (it needs Cloud Run GPU quota in region)."
  type        = string
}

variable "region" {
  description = "Cloud Run region with L4 GPUs (e.g. europe-west1, europe-west4, us-central1, asia-southeast1)."
  type        = string
}

variable "name" {
  description = "Cloud Run service name; also the service account id (6 to 30 characters)."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{4,28}[a-z0-9]$", var.name))
    error_message = "name must be 6-30 characters of lowercase letters, digits and hyphens, starting with a letter."
  }
}

variable "entry_point" {
  description = "vigil function name of the server (model-server): the lean server runs dist/server/serve.js <entry_point>."
  type        = string
  default     = "model-server"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]*$", var.entry_point))
    error_message = "entry_point must be a kebab-case vigil function name."
  }
}

variable "image" {
  description = "Container image of the model server, pinned by tag or digest (CUDA-capable onnxruntime)."
  type        = string

  validation {
    condition     = can(regex("^[^\\s]+[:@][^\\s]+$", var.image))
    error_message = "image must carry a tag or a digest."
  }
}

variable "gpu" {
  description = "GPU per instance. Cloud Run offers one NVIDIA L4 per instance; zonal redundancy off is cheaper, best effort on zone failure."
  type = object({
    type                     = optional(string, "nvidia-l4")
    count                    = optional(number, 1)
    zonal_redundancy_enabled = optional(bool, false)
  })
  default = {}

  validation {
    condition     = var.gpu.type == "nvidia-l4"
    error_message = "gpu.type must be nvidia-l4 (the GPU Cloud Run offers for this service)."
  }

  validation {
    condition     = var.gpu.count == 1
    error_message = "gpu.count must be 1 (Cloud Run attaches one GPU per instance)."
  }
}

variable "scaling" {
  description = "Instances (min 0 scales to zero and pays a cold start of tens of seconds; 1 keeps one warm GPU) and concurrent requests per instance."
  type = object({
    min_instances = optional(number, 0)
    max_instances = optional(number, 1)
    concurrency   = optional(number, 16)
  })
  default = {}

  validation {
    condition     = contains([0, 1], var.scaling.min_instances)
    error_message = "scaling.min_instances must be 0 or 1: a warm GPU costs money around the clock."
  }

  validation {
    condition     = var.scaling.max_instances >= 1 && var.scaling.max_instances <= 10 && var.scaling.max_instances >= var.scaling.min_instances
    error_message = "scaling.max_instances must be 1..10 and at least min_instances (and within the project's GPU quota)."
  }
}

variable "resources" {
  description = "CPU and memory per instance; an L4 instance needs at least 4 CPU and 16Gi."
  type = object({
    cpu    = optional(string, "4")
    memory = optional(string, "16Gi")
  })
  default = {}

  validation {
    condition     = contains(["4", "6", "8"], var.resources.cpu)
    error_message = "resources.cpu must be 4, 6 or 8 with a GPU."
  }

  validation {
    condition     = can(regex("^[0-9]+Gi$", var.resources.memory)) && tonumber(trimsuffix(var.resources.memory, "Gi")) >= 16
    error_message = "resources.memory must be at least 16Gi with a GPU."
  }
}

variable "models_bucket" {
  description = "Bucket mounted read-only at models_mount_path (Cloud Storage volume), holding <name>/<version>/ ONNX folders."
  type        = string
}

variable "models_mount_path" {
  description = "Where the models bucket is mounted; passed as VIGIL_MODELS_DIR."
  type        = string
  default     = "/mnt/models"

  validation {
    condition     = startswith(var.models_mount_path, "/")
    error_message = "models_mount_path must be absolute."
  }
}

variable "env" {
  description = "Plain environment variables (non-secret configuration)."
  type        = map(string)
  default     = {}

  validation {
    condition = alltrue([
      for key in keys(var.env) : !contains(["VIGIL_JWT_SECRET", "VIGIL_JWT_PRIVATE_KEY", "VIGIL_BOOTSTRAP_API_KEY", "VIGIL_BLOB_SIGNING_KEY"], key)
    ])
    error_message = "Secrets never go in env."
  }
}

variable "project_roles" {
  description = "Project-level roles of the server's service account (e.g. roles/datastore.user for the platform's document store)."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for r in var.project_roles : startswith(r, "roles/") && !contains(["roles/owner", "roles/editor", "roles/viewer"], r)])
    error_message = "project_roles must be predefined roles and never roles/owner, roles/editor or roles/viewer."
  }
}

variable "timeout_seconds" {
  description = "Request timeout."
  type        = number
  default     = 60

  validation {
    condition     = var.timeout_seconds >= 1 && var.timeout_seconds <= 3600
    error_message = "timeout_seconds must be between 1 and 3600."
  }
}

variable "invoker_members" {
  description = "Principals allowed to call the server (the detector functions' service accounts); it is never public."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for m in var.invoker_members : !contains(["allUsers", "allAuthenticatedUsers"], m)])
    error_message = "The model server is never public: list service accounts, not allUsers or allAuthenticatedUsers."
  }
}

variable "labels" {
  description = "Labels on the service."
  type        = map(string)
  default     = {}
}

variable "deletion_protection" {
  description = "Refuse to destroy the service from Terraform."
  type        = bool
  default     = true
}
